// The renewal schedule on a manual clock: a new certificate at each one's half-life, retries that
// back off after a failure, nothing after close().
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CertificateRenewer, type Issued } from "../../../cli/src/cert/certificate-renewer.js";
import { ManualClock } from "../../time/manual-clock.js";

/** An issuer whose certificates live `lifetimeMs` from the clock's now, rotating at half. */
function issuer(clock: ManualClock, lifetimeMs: number, failures: number[] = []) {
  const calls: number[] = [];
  let attempt = 0;
  const issue = async (): Promise<Issued> => {
    calls.push(clock.now());
    attempt++;
    if (failures.includes(attempt)) throw new Error(`attempt ${attempt} fails`);
    const now = clock.now();
    return { notBefore: new Date(now), notAfter: new Date(now + lifetimeMs), rotateAt: new Date(now + lifetimeMs / 2) };
  };
  return { calls, issue };
}

describe("CertificateRenewer", () => {
  test("issues at start, then again at each certificate's half-life", async () => {
    const clock = new ManualClock(0);
    const { calls, issue } = issuer(clock, 10_000);
    const installed: number[] = [];
    const renewer = new CertificateRenewer({ clock, issue, onIssued: (i) => installed.push(i.notBefore.getTime()) });
    await renewer.start();
    assert.deepEqual(calls, [0]);
    await clock.advance(4_999);
    assert.deepEqual(calls, [0]);
    await clock.advance(1);
    await clock.advance(5_000);
    assert.deepEqual(calls, [0, 5_000, 10_000]);
    assert.deepEqual(installed, [0, 5_000, 10_000]);
    renewer.close();
  });

  test("a failed renewal is retried after 1 s, then 2 s, and the schedule resumes once one succeeds", async () => {
    const clock = new ManualClock(0);
    const { calls, issue } = issuer(clock, 10_000, [2, 3]);
    const waits: number[] = [];
    const renewer = new CertificateRenewer({ clock, issue, onFailed: (_e, retryInMs) => waits.push(retryInMs) });
    await renewer.start();
    await clock.advance(5_000);
    await clock.advance(1_000);
    await clock.advance(2_000);
    assert.deepEqual(calls, [0, 5_000, 6_000, 8_000]);
    assert.deepEqual(waits, [1_000, 2_000]);
    await clock.advance(5_000);
    assert.deepEqual(calls, [0, 5_000, 6_000, 8_000, 13_000], "half-life of the certificate issued at 8 s");
    renewer.close();
  });

  test("the first issue failing rejects start; close() stops every later renewal", async () => {
    const clock = new ManualClock(0);
    const failing = issuer(clock, 10_000, [1]);
    await assert.rejects(new CertificateRenewer({ clock, issue: failing.issue }).start(), /attempt 1 fails/);
    assert.equal(clock.pendingCount, 0);

    const { calls, issue } = issuer(clock, 10_000);
    const renewer = new CertificateRenewer({ clock, issue });
    await renewer.start();
    renewer.close();
    await clock.advance(60_000);
    assert.equal(calls.length, 1);
    assert.equal(clock.pendingCount, 0);
  });

  test("a first issue failing transiently is retried within firstIssueWithinMs, each wait told; a refusal is not", async () => {
    const clock = new ManualClock(0);
    const { calls, issue } = issuer(clock, 10_000, [1, 2, 3]);
    const waits: number[] = [];
    const renewer = new CertificateRenewer({
      clock,
      issue,
      firstIssueWithinMs: 10_000,
      isTransient: () => true,
      onFailed: (_e, retryInMs) => waits.push(retryInMs),
    });
    const started = renewer.start();
    await clock.advance(1_000);
    await clock.advance(2_000);
    await clock.advance(4_000);
    const issued = await started;
    assert.equal(issued.notBefore.getTime(), 7_000);
    assert.deepEqual(calls, [0, 1_000, 3_000, 7_000]);
    assert.deepEqual(waits, [1_000, 2_000, 4_000]);
    renewer.close();

    const refused = issuer(clock, 10_000, [1]);
    const refusing = new CertificateRenewer({
      clock,
      issue: refused.issue,
      firstIssueWithinMs: 10_000,
      isTransient: () => false,
    });
    await assert.rejects(refusing.start(), /attempt 1 fails/);
    assert.equal(refused.calls.length, 1);
  });

  test("the first issue gives up once the next attempt would start past firstIssueWithinMs, or when closed", async () => {
    const clock = new ManualClock(0);
    const { calls, issue } = issuer(clock, 10_000, [1, 2, 3, 4, 5]);
    const renewer = new CertificateRenewer({ clock, issue, firstIssueWithinMs: 2_500, isTransient: () => true });
    const started = assert.rejects(renewer.start(), /attempt 2 fails/);
    await clock.advance(1_000);
    await started;
    assert.deepEqual(calls, [0, 1_000], "a retry at 3 s would pass 2.5 s");
    assert.equal(clock.pendingCount, 0);

    const waiting = issuer(clock, 10_000, [1]);
    const closing = new CertificateRenewer({
      clock,
      issue: waiting.issue,
      firstIssueWithinMs: 60_000,
      isTransient: () => true,
    });
    const pending = assert.rejects(closing.start(), /attempt 1 fails/);
    await Promise.resolve();
    closing.close();
    await pending;
    assert.equal(waiting.calls.length, 1);
  });
});

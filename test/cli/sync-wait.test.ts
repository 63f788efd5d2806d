// What `apply --wait` counts as synced: every type of every proxy runs the revision the write
// created (or a later one), as GET /v1/proxies reports it; read here from fakes of that answer.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ProxyStatus, TypeStatus } from "../../cli/src/client/index.js";
import { judgeProxies, waitAfterWrite, waitForSync } from "../../cli/src/commands/sync-wait.js";
import { CliErrorCode } from "../../cli/src/errors.js";

const CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
const RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";

function typeStatus(fields: Partial<TypeStatus>): TypeStatus {
  return {
    state: "SYNCED",
    versionSent: "v",
    versionAcked: "v",
    nonce: "1",
    subscribed: ["*"],
    revision: null,
    lastNack: null,
    ...fields,
  };
}

function proxy(nodeId: string, types: Record<string, TypeStatus>): ProxyStatus {
  const revisions = Object.values(types).map((t) => t.revision);
  const revision = revisions.includes(null) ? null : Math.min(...(revisions as number[]));
  return {
    nodeId,
    cluster: "",
    address: "127.0.0.1:1",
    connectedAt: new Date().toISOString(),
    userAgent: "t",
    revision,
    types,
  };
}

const rejection = (revision: number | null, message = "bad cluster") => ({
  message,
  at: new Date().toISOString(),
  revision,
});

describe("judgeProxies", () => {
  test("a proxy is synced once every type runs the revision or a later one", () => {
    const [ahead, exact, behind] = judgeProxies(
      [
        proxy("ahead", { [CDS]: typeStatus({ revision: 9 }), [LDS]: typeStatus({ revision: 8 }) }),
        proxy("exact", { [CDS]: typeStatus({ revision: 7 }), [LDS]: typeStatus({ revision: 7 }) }),
        proxy("behind", { [CDS]: typeStatus({ revision: 7 }), [LDS]: typeStatus({ state: "STALE", revision: 6 }) }),
      ],
      7,
    );
    assert.equal(ahead?.synced, true);
    assert.equal(exact?.synced, true);
    assert.equal(behind?.synced, false);
    assert.deepEqual(behind?.waitingFor, ["LDS STALE"]);
  });

  test("a type that runs no revision yet is waited for, whatever its state says", () => {
    const [verdict] = judgeProxies([proxy("new", { [RDS]: typeStatus({ state: "SYNCED", revision: null }) })], 1);
    assert.equal(verdict?.synced, false);
    assert.deepEqual(verdict?.waitingFor, ["RDS SYNCED"]);
  });

  test("a rejection of the revision (or a later one) is reported; one of an older revision is only waited past", () => {
    const [now, later, earlier, unknown] = judgeProxies(
      [
        proxy("now", { [CDS]: typeStatus({ state: "NACKED", revision: 6, lastNack: rejection(7) }) }),
        proxy("later", { [CDS]: typeStatus({ state: "NACKED", revision: 6, lastNack: rejection(8) }) }),
        proxy("earlier", { [CDS]: typeStatus({ state: "STALE", revision: 5, lastNack: rejection(6) }) }),
        proxy("unknown", { [CDS]: typeStatus({ state: "STALE", revision: 5, lastNack: rejection(null) }) }),
      ],
      7,
    );
    assert.deepEqual(now?.nacks, ["CDS: bad cluster"]);
    assert.deepEqual(later?.nacks, ["CDS: bad cluster"]);
    assert.deepEqual(earlier?.nacks, []);
    assert.equal(earlier?.synced, false);
    assert.deepEqual(unknown?.nacks, []);
  });

  test("a type that runs the revision is synced although it rejected an older one", () => {
    const [verdict] = judgeProxies([proxy("p", { [CDS]: typeStatus({ revision: 7, lastNack: rejection(6) }) })], 7);
    assert.equal(verdict?.synced, true);
    assert.deepEqual(verdict?.nacks, []);
  });
});

function source(...answers: ProxyStatus[][]) {
  let call = 0;
  return {
    calls: () => call,
    proxies: async () => answers[Math.min(call++, answers.length - 1)] ?? [],
  };
}

describe("waitForSync", () => {
  test("resolves at once when no proxy is connected, and says so", async () => {
    const lines: string[] = [];
    await waitForSync(source([]), { revision: 3, timeoutMs: 1000, progress: (line) => lines.push(line) });
    assert.deepEqual(lines, ["no proxies connected"]);
  });

  test("polls until every proxy runs the revision, printing each change of progress once", async () => {
    const lines: string[] = [];
    const api = source(
      [proxy("a", { [CDS]: typeStatus({ revision: 2 }) }), proxy("b", { [CDS]: typeStatus({ revision: 2 }) })],
      [proxy("a", { [CDS]: typeStatus({ revision: 3 }) }), proxy("b", { [CDS]: typeStatus({ revision: 2 }) })],
      [proxy("a", { [CDS]: typeStatus({ revision: 3 }) }), proxy("b", { [CDS]: typeStatus({ revision: 2 }) })],
      [proxy("a", { [CDS]: typeStatus({ revision: 4 }) }), proxy("b", { [CDS]: typeStatus({ revision: 3 }) })],
    );
    await waitForSync(api, { revision: 3, timeoutMs: 5000, intervalMs: 1, progress: (line) => lines.push(line) });
    assert.deepEqual(lines, ["0/2 proxies synced", "1/2 proxies synced", "2/2 proxies synced"]);
    assert.equal(api.calls(), 4);
  });

  test("times out naming each proxy still behind and what it waits for", async () => {
    const lines: string[] = [];
    const behind = proxy("slow-1", { [CDS]: typeStatus({ state: "STALE", revision: 2 }) });
    await assert.rejects(
      waitForSync(source([behind]), {
        revision: 3,
        timeoutMs: 50,
        intervalMs: 10,
        progress: (line) => lines.push(line),
      }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, CliErrorCode.waitTimeout);
        assert.match(error.message, /0\/1 proxies synced .*slow-1 \(CDS STALE\)/);
        return true;
      },
    );
    assert.deepEqual(lines, ["0/1 proxies synced"]);
  });

  test("fails at once when a proxy rejects the revision", async () => {
    const nacked = proxy("n", { [CDS]: typeStatus({ state: "NACKED", revision: 2, lastNack: rejection(3, "no") }) });
    const api = source([nacked]);
    await assert.rejects(waitForSync(api, { revision: 3, timeoutMs: 5000, progress: () => {} }), {
      code: CliErrorCode.proxyNacked,
    });
    assert.equal(api.calls(), 1);
  });
});

describe("waitAfterWrite", () => {
  const nacked = () =>
    proxy("n", { [CDS]: typeStatus({ state: "NACKED", revision: 6, lastNack: rejection(7, "no such thing") }) });
  const flags = { wait: true, waitTimeout: 5000 };

  test("waits for the revision the command wrote", async () => {
    const api = source(
      [proxy("p", { [CDS]: typeStatus({ revision: 6 }) })],
      [proxy("p", { [CDS]: typeStatus({ revision: 7 }) })],
    );
    await waitAfterWrite(api, flags, { revision: 7, before: 6 }, { intervalMs: 1, progress: () => {} });
    assert.equal(api.calls(), 2);
  });

  test("a rejection says the config stays stored and names the rollback that undoes the write", async () => {
    await assert.rejects(
      waitAfterWrite(source([nacked()]), flags, { revision: 7, before: 6 }, { progress: () => {} }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, CliErrorCode.proxyNacked);
        assert.equal(
          error.message.split("\n")[1],
          "the config stays stored as revision 7; to undo it: weft rollback 6",
        );
        return true;
      },
    );
  });

  test("after a command that wrote nothing, no rollback is suggested", async () => {
    await assert.rejects(
      waitAfterWrite(source([nacked()]), flags, { revision: 7, before: undefined }, { progress: () => {} }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, CliErrorCode.proxyNacked);
        assert.doesNotMatch(error.message, /weft rollback/);
        return true;
      },
    );
  });

  test("without --wait nothing is read", async () => {
    const unreachable = { proxies: () => Promise.reject(new Error("read")) };
    await waitAfterWrite(unreachable, { waitTimeout: 5000 }, { revision: 7, before: 6 }, { progress: () => {} });
  });
});

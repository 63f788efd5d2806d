import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { RuntimeCluster, RuntimeEndpoints } from "../../../data-plane/src/config/index.js";
import { ClusterManager, type ClusterManagerOptions } from "../../../data-plane/src/upstream/cluster-manager.js";
import type { LookupAddress } from "../../../data-plane/src/upstream/dns/dns-resolution.js";
import { ManualClock } from "../../time/manual-clock.js";
import { assignment, staticCluster } from "./backends.js";

const NO_EDS: ReadonlyMap<string, RuntimeEndpoints> = new Map();

function dnsCluster(type: "STRICT_DNS" | "LOGICAL_DNS", hostname = "svc.test", port = 8080): RuntimeCluster {
  return {
    ...staticCluster("dns"),
    type,
    staticEndpoints: assignment("dns", { host: hostname, port, weight: 2, health: "HEALTHY" }),
    dns: { refreshRateMs: 1000, respectDnsTtl: false, lookupFamily: "V4_ONLY" },
  };
}

/** A resolver answering from a table (an Error rejects), and a clock moved by hand. */
function fakes() {
  const answers = new Map<string, readonly LookupAddress[] | Error>();
  const lookups: string[] = [];
  const clock = new ManualClock(1_700_000_000_000);
  const warnings: object[] = [];
  const options: ClusterManagerOptions = {
    random: () => 0,
    clock,
    lookup: async (hostname, { family }) => {
      lookups.push(`${hostname}/${family}`);
      const answer = answers.get(hostname) ?? new Error("ENOTFOUND");
      if (answer instanceof Error) throw answer;
      return answer;
    },
    logger: { warn: (details) => warnings.push(details), info: () => {} },
  };
  /** Moves time to the pending refresh, which runs, and lets its lookups settle. */
  const refresh = async (): Promise<void> => {
    const [delayMs] = clock.delays();
    assert.ok(delayMs !== undefined && clock.pendingCount === 1, "one refresh is scheduled");
    await clock.advance(delayMs);
  };
  return { answers, lookups, clock, warnings, options, refresh };
}

const v4 = (...addresses: string[]): LookupAddress[] => addresses.map((address) => ({ address, family: 4 }));

describe("DNS clusters", () => {
  const managers: ClusterManager[] = [];
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.close()));
  });
  const manager = (options: ClusterManagerOptions): ClusterManager => {
    const m = new ClusterManager(options);
    managers.push(m);
    return m;
  };
  const addresses = (m: ClusterManager): string[] => (m.hosts("dns")?.hosts() ?? []).map((h) => h.address);

  it("STRICT_DNS: every address becomes an endpoint, warming until the first resolution", async () => {
    const f = fakes();
    f.answers.set("svc.test", v4("10.0.0.1", "10.0.0.2"));
    const m = manager(f.options);
    void m.update([dnsCluster("STRICT_DNS")], NO_EDS);
    assert.equal(m.warming("dns"), true);
    assert.equal(await m.whenWarm("dns", 1000), true);
    assert.deepEqual(addresses(m), ["10.0.0.1:8080", "10.0.0.2:8080"]);
    assert.deepEqual(f.lookups, ["svc.test/4"]);
    assert.equal(m.hosts("dns")?.hosts()[0]?.weight, 2, "the configured endpoint's weight carries over");
    assert.deepEqual(f.clock.delays(), [1000], "the next refresh is one refresh rate away");
    const view = m.view()[0];
    assert.deepEqual(view?.dns, { hostnames: ["svc.test"], lastResolvedAt: 1_700_000_000_000 });

    f.answers.set("svc.test", v4("10.0.0.2", "10.0.0.3"));
    await f.refresh();
    assert.deepEqual(addresses(m), ["10.0.0.2:8080", "10.0.0.3:8080"]);
    assert.equal(m.view()[0]?.dns?.lastResolvedAt, 1_700_000_001_000, "resolved again at the refresh's instant");
  });

  it("LOGICAL_DNS: the first address only, following re-resolution", async () => {
    const f = fakes();
    f.answers.set("svc.test", v4("10.0.0.1", "10.0.0.2"));
    const m = manager(f.options);
    void m.update([dnsCluster("LOGICAL_DNS")], NO_EDS);
    await m.whenWarm("dns", 1000);
    assert.deepEqual(addresses(m), ["10.0.0.1:8080"]);
    f.answers.set("svc.test", v4("10.0.0.9", "10.0.0.1"));
    await f.refresh();
    assert.deepEqual(addresses(m), ["10.0.0.9:8080"]);
    assert.equal(m.pick("dns")?.address, "10.0.0.9:8080");
  });

  it("keeps the last good addresses when resolution fails, logging once per change", async () => {
    const f = fakes();
    f.answers.set("svc.test", v4("10.0.0.1"));
    const m = manager(f.options);
    void m.update([dnsCluster("STRICT_DNS")], NO_EDS);
    await m.whenWarm("dns", 1000);
    f.answers.set("svc.test", Object.assign(new Error("timeout"), { code: "ETIMEOUT" }));
    await f.refresh();
    await f.refresh();
    assert.deepEqual(addresses(m), ["10.0.0.1:8080"]);
    assert.equal(f.warnings.length, 1);
    f.answers.set("svc.test", v4("10.0.0.5"));
    await f.refresh();
    assert.deepEqual(addresses(m), ["10.0.0.5:8080"]);
  });

  it("is warm with no endpoint when the first resolution fails, and stops refreshing when removed", async () => {
    const f = fakes();
    const m = manager(f.options);
    void m.update([dnsCluster("STRICT_DNS")], NO_EDS);
    assert.equal(await m.whenWarm("dns", 1000), true);
    assert.equal(m.pick("dns"), undefined);
    assert.equal(f.clock.pendingCount, 1, "a refresh is scheduled");
    void m.update([], NO_EDS);
    assert.equal(f.clock.pendingCount, 0, "the refresh is cancelled");
  });

  it("whenWarm answers false once its time-out passes on the clock while the first lookup hangs", async () => {
    const f = fakes();
    const m = manager({ ...f.options, lookup: () => new Promise(() => {}) });
    void m.update([dnsCluster("STRICT_DNS")], NO_EDS);
    let answer: boolean | undefined;
    void m.whenWarm("dns", 500).then((ready) => {
      answer = ready;
    });
    await f.clock.advance(499);
    assert.equal(answer, undefined, "still waiting 1 ms before the time-out");
    await f.clock.advance(1);
    assert.equal(answer, false);
    assert.equal(m.warming("dns"), true);
  });

  it("resolves localhost with the system resolver", async () => {
    const m = manager({});
    void m.update([dnsCluster("STRICT_DNS", "localhost", 9)], NO_EDS);
    assert.equal(await m.whenWarm("dns", 5000), true);
    assert.deepEqual(addresses(m), ["127.0.0.1:9"]);
  });
});

import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { setImmediate as tick } from "node:timers/promises";
import type { RuntimeCluster, RuntimeEndpoints } from "../../../data-plane/src/config/index.js";
import { ClusterManager, type ClusterManagerOptions } from "../../../data-plane/src/upstream/cluster-manager.js";
import type { LookupAddress } from "../../../data-plane/src/upstream/dns/dns-resolution.js";
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

/** A resolver answering from a table (an Error rejects), and a schedule run by hand. */
function fakes() {
  const answers = new Map<string, readonly LookupAddress[] | Error>();
  const lookups: string[] = [];
  const timers: { run: () => void; delayMs: number; cancelled: boolean }[] = [];
  const warnings: object[] = [];
  const options: ClusterManagerOptions = {
    random: () => 0,
    now: () => 1_700_000_000_000,
    lookup: async (hostname, { family }) => {
      lookups.push(`${hostname}/${family}`);
      const answer = answers.get(hostname) ?? new Error("ENOTFOUND");
      if (answer instanceof Error) throw answer;
      return answer;
    },
    schedule: (run, delayMs) => {
      const timer = { run, delayMs, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
    logger: { warn: (details) => warnings.push(details), info: () => {} },
  };
  /** Runs the pending refresh and lets its lookups settle. */
  const refresh = async (): Promise<void> => {
    const timer = timers.at(-1);
    assert.ok(timer && !timer.cancelled, "a refresh is scheduled");
    timer.run();
    await tick();
  };
  return { answers, lookups, timers, warnings, options, refresh };
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
    assert.equal(f.timers[0]?.delayMs, 1000);
    const view = m.view()[0];
    assert.deepEqual(view?.dns, { hostnames: ["svc.test"], lastResolvedAt: 1_700_000_000_000 });

    f.answers.set("svc.test", v4("10.0.0.2", "10.0.0.3"));
    await f.refresh();
    assert.deepEqual(addresses(m), ["10.0.0.2:8080", "10.0.0.3:8080"]);
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
    void m.update([], NO_EDS);
    assert.equal(f.timers.at(-1)?.cancelled, true);
  });

  it("resolves localhost with the system resolver", async () => {
    const m = manager({});
    void m.update([dnsCluster("STRICT_DNS", "localhost", 9)], NO_EDS);
    assert.equal(await m.whenWarm("dns", 5000), true);
    assert.deepEqual(addresses(m), ["127.0.0.1:9"]);
  });
});

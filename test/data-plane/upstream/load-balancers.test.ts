import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { xxHash64 } from "../../../data-plane/src/hashing/hash64.js";
import { Ring } from "../../../data-plane/src/upstream/balancers/ring-hash.js";
import { assertDistribution, balancer, host, seeded, tally } from "./lb-fixtures.js";

const shares = (...pairs: [number, number][]) => new Map(pairs);

describe("xxHash64", () => {
  it("matches the reference vectors", () => {
    assert.equal(xxHash64(""), 0xef46db3751d8e999n);
    assert.equal(xxHash64("a"), 0xd24ec4f1a98c6e5bn);
    assert.equal(xxHash64("abc"), 0x44bc2cf5ad770999n);
    assert.equal(xxHash64("abcdefghijklmnopqrstuvwxyz"), 0xcfe1f278fa89835cn);
  });
});

describe("ROUND_ROBIN", () => {
  it("rotates over equal weights and follows weights exactly", () => {
    const { lb } = balancer("ROUND_ROBIN", [host({ port: 1 }), host({ port: 2 }), host({ port: 3 })]);
    assert.deepEqual(
      Array.from({ length: 6 }, () => lb.pick(undefined, undefined)?.port),
      [1, 2, 3, 1, 2, 3],
    );
    const weighted = balancer("ROUND_ROBIN", [host({ port: 1, weight: 3 }), host({ port: 2 })]).lb;
    assert.deepEqual([...tally(weighted, 400)].sort(), [
      [1, 300],
      [2, 100],
    ]);
  });
});

describe("RANDOM", () => {
  it("draws in proportion to weight", () => {
    const hosts = [host({ port: 1 }), host({ port: 2, weight: 2 }), host({ port: 3, weight: 3 })];
    assertDistribution(
      tally(balancer("RANDOM", hosts, { random: seeded(7) }).lb, 30_000),
      shares([1, 1], [2, 2], [3, 3]),
    );
    const equal = [host({ port: 1 }), host({ port: 2 }), host({ port: 3 }), host({ port: 4 })];
    assertDistribution(
      tally(balancer("RANDOM", equal, { random: seeded(8) }).lb, 20_000),
      shares([1, 1], [2, 1], [3, 1], [4, 1]),
    );
  });
});

describe("LEAST_REQUEST", () => {
  it("prefers less-loaded hosts with two choices", () => {
    const busy = host({ port: 1 });
    busy.activeRequests = 10;
    const hosts = [busy, host({ port: 2 }), host({ port: 3 })];
    // The busy host wins only when both choices land on it: 1/9 of picks.
    assertDistribution(
      tally(balancer("LEAST_REQUEST", hosts, { random: seeded(3) }).lb, 18_000),
      shares([1, 1], [2, 4], [3, 4]),
    );
    const three = tally(balancer("LEAST_REQUEST", hosts, { random: seeded(4), config: { choiceCount: 3 } }).lb, 9000);
    assert.ok((three.get(1) ?? 0) < (9000 / 27) * 1.3, "three choices avoid the busy host more");
  });

  it("weighs unequal hosts by weight / (active + 1)", () => {
    const light = host({ port: 1 });
    const heavy = host({ port: 2, weight: 2 });
    assertDistribution(
      tally(balancer("LEAST_REQUEST", [light, heavy], { random: seeded(5) }).lb, 9000),
      shares([1, 1], [2, 2]),
    );
    heavy.activeRequests = 3; // 2 / 4 against 1 / 1
    assertDistribution(
      tally(balancer("LEAST_REQUEST", [light, heavy], { random: seeded(6) }).lb, 9000),
      shares([1, 2], [2, 1]),
    );
  });
});

describe("RING_HASH", () => {
  const ten = () => Array.from({ length: 10 }, (_, i) => host({ port: 100 + i }));
  const key = (i: number) => xxHash64(`user-${i}`);

  it("sends the same key to the same host, and spreads keys by weight", () => {
    const { lb } = balancer("RING_HASH", [host({ port: 1 }), host({ port: 2, weight: 3 })]);
    for (let i = 0; i < 50; i++) assert.equal(lb.pick(key(i), undefined)?.port, lb.pick(key(i), undefined)?.port);
    // A ring's arcs are only roughly proportional to the points: a loose bound, not chi-squared.
    const heavy = (tally(lb, 8000, key).get(2) ?? 0) / 8000;
    assert.ok(Math.abs(heavy - 0.75) < 0.05, `heavy host share ${heavy}`);
  });

  it("builds the identical ring from the same hosts, whatever their order", () => {
    const a = balancer("RING_HASH", ten()).lb;
    const b = balancer("RING_HASH", ten().reverse()).lb;
    for (let i = 0; i < 1000; i++) assert.equal(a.pick(key(i), undefined)?.port, b.pick(key(i), undefined)?.port);
  });

  it("moves about a tenth of the keys when one of ten hosts goes", () => {
    const all = ten();
    const before = balancer("RING_HASH", all).lb;
    const after = balancer("RING_HASH", all.slice(1)).lb;
    let moved = 0;
    for (let i = 0; i < 5000; i++) {
      const was = before.pick(key(i), undefined)?.port;
      const now = after.pick(key(i), undefined)?.port;
      if (was !== now) moved++;
      if (was === 100) assert.notEqual(now, 100);
    }
    // The removed host's keys, plus the few that the other hosts' extra points (the ring is
    // resized for nine) take from each other.
    assert.ok(moved > 5000 * 0.05 && moved < 5000 * 0.2, `moved ${moved} of 5000`);
  });

  it("keeps the ring between minimum_ring_size and maximum_ring_size", () => {
    const three = [host({ port: 1 }), host({ port: 2 }), host({ port: 3 })];
    const weights = [1, 1, 1];
    assert.equal(new Ring(three, weights, { minimumRingSize: 1024, maximumRingSize: 8 << 20 }).size, 1026);
    assert.equal(new Ring(three, weights, { minimumRingSize: 16, maximumRingSize: 16 }).size, 16);
    const skewed = new Ring(three.slice(0, 2), [1, 1000], { minimumRingSize: 1024, maximumRingSize: 8 << 20 });
    assert.ok(skewed.size >= 1024 && skewed.size <= 2002, `size ${skewed.size}`);
  });

  it("picks a random point without a hash", () => {
    const { lb } = balancer("RING_HASH", [host({ port: 1 }), host({ port: 2 })], { random: seeded(9) });
    assertDistribution(tally(lb, 4000), shares([1, 1], [2, 1]));
  });
});

describe("priorities, localities and panic", () => {
  it("spills load to the next priority as the first loses health (overprovisioning 1.4)", () => {
    const hosts = [
      host({ port: 1 }),
      host({ port: 2 }),
      host({ port: 3, health: "UNHEALTHY" }),
      host({ port: 4, health: "UNHEALTHY" }),
      host({ port: 10, priority: 1 }),
    ];
    const { lb, set } = balancer("RANDOM", hosts, { random: seeded(11) });
    assert.deepEqual(set.healthyLoad, [70, 30]);
    assertDistribution(tally(lb, 20_000), shares([1, 35], [2, 35], [10, 30]));
    // 3 of 4 healthy: 105% capped at 100%, P1 gets nothing.
    const mostly = balancer("RANDOM", [...hosts.slice(0, 3), host({ port: 4 }), hosts[4] ?? host({ port: 10 })]);
    assert.deepEqual(mostly.set.healthyLoad, [100, 0]);
    // A factor of 100 turns overprovisioning off: 2 of 4 healthy is 50%.
    assert.deepEqual(balancer("RANDOM", hosts, { overprovisioningFactor: 100 }).set.healthyLoad, [50, 50]);
  });

  it("splits a priority's load by locality weight when locality weighting is on", () => {
    const hosts = [
      host({ port: 1, zone: "a", localityWeight: 1 }),
      host({ port: 2, zone: "b", localityWeight: 3 }),
      host({ port: 3, zone: "b", localityWeight: 3 }),
    ];
    const on = balancer("RANDOM", hosts, { random: seeded(12), config: { localityWeighted: true } }).lb;
    assertDistribution(tally(on, 16_000), shares([1, 2], [2, 3], [3, 3]));
    const off = balancer("RANDOM", hosts, { random: seeded(13) }).lb;
    assertDistribution(tally(off, 12_000), shares([1, 1], [2, 1], [3, 1]));
  });

  it("panics below the threshold: every host of the priority takes load", () => {
    const hosts = [
      host({ port: 1 }),
      host({ port: 2, health: "UNHEALTHY" }),
      host({ port: 3, health: "UNHEALTHY" }),
      host({ port: 4, health: "UNHEALTHY" }),
    ];
    const panicking = balancer("RANDOM", hosts, { random: seeded(14) });
    assert.equal(panicking.set.inPanic, true);
    assertDistribution(tally(panicking.lb, 8000), shares([1, 1], [2, 1], [3, 1], [4, 1]));
    const off = balancer("RANDOM", hosts, { config: { healthyPanicThreshold: 0 } });
    assert.equal(off.set.inPanic, false);
    assert.deepEqual([...tally(off.lb, 100)], [[1, 100]]);
  });

  it("counts ejected and health-check-failed hosts as unhealthy, degraded ones last", () => {
    const [a, b, c] = [host({ port: 1 }), host({ port: 2 }), host({ port: 3, health: "DEGRADED" })];
    a.setEjected(true);
    b.setActiveHealthFailed(true);
    assert.deepEqual(a.healthFlags(), ["failed_outlier_check"]);
    assert.deepEqual(b.healthFlags(), ["failed_active_hc"]);
    assert.deepEqual(c.healthFlags(), ["degraded_eds_health"]);
    const { set } = balancer("RANDOM", [a, b, c, host({ port: 4 }), host({ port: 5 })], {
      config: { healthyPanicThreshold: 0 },
    });
    // 2 of 5 healthy: 56%; 1 of 5 degraded: 28%; scaled to 100 over 84 (66 and 33), and the
    // rounding remainder goes to the first healthy priority.
    assert.deepEqual(set.healthyLoad, [67]);
    assert.deepEqual(set.degradedLoad, [33]);
  });
});

describe("avoid", () => {
  for (const policy of ["ROUND_ROBIN", "RANDOM", "LEAST_REQUEST", "RING_HASH"] as const) {
    it(`${policy} picks another host when one exists, the avoided one otherwise`, () => {
      const { lb } = balancer(policy, [host({ port: 1 }), host({ port: 2 }), host({ port: 3 })], {
        random: seeded(15),
      });
      const avoid = new Set(["10.0.0.1:1", "10.0.0.1:2"]);
      for (let i = 0; i < 50; i++) assert.equal(lb.pick(xxHash64(`k${i}`), avoid)?.port, 3);
      const single = balancer(policy, [host({ port: 1 })]).lb;
      assert.equal(single.pick(undefined, new Set(["10.0.0.1:1"]))?.port, 1);
    });
  }
});

// The mesh scenario's shape (bench/cp-mesh-config.ts): the orchestrator and every simulator
// derive the same mesh from it, so its arithmetic decides what the benchmark measures.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  callsService,
  dependsOf,
  instancesOf,
  meshApplies,
  serviceCluster,
  serviceIndexOfCluster,
  shapeProblems,
} from "../../bench/cp-mesh-config.js";

describe("the mesh scenario's shape", () => {
  test("each Service depends on D distinct other Services, and each has D dependent Services when D divides S", () => {
    for (const shape of [
      { services: 1000, sidecars: 10_000, depends: 10 },
      { services: 100, sidecars: 1000, depends: 10 },
      { services: 7, sidecars: 20, depends: 6 },
    ]) {
      const dependents = new Array<number>(shape.services).fill(0);
      for (let s = 0; s < shape.services; s++) {
        const depends = dependsOf(shape, s);
        assert.equal(new Set(depends).size, shape.depends);
        assert.ok(!depends.includes(s), `Service ${s} depends on itself`);
        for (const d of depends) {
          assert.ok(d >= 0 && d < shape.services);
          assert.ok(callsService(shape, s, d));
          dependents[d] = (dependents[d] ?? 0) + 1;
        }
      }
      if (shape.services % shape.depends === 0) assert.deepEqual(new Set(dependents), new Set([shape.depends]));
    }
  });

  test("the instances of every Service add up to the sidecars", () => {
    const shape = { services: 7, sidecars: 23, depends: 2 };
    let total = 0;
    for (let s = 0; s < shape.services; s++) total += instancesOf(shape, s);
    assert.equal(total, shape.sidecars);
  });

  test("a compiled cluster name gives back its Service; other names give none", () => {
    assert.equal(serviceIndexOfCluster(serviceCluster(42)), 42);
    assert.equal(serviceIndexOfCluster("inbound|app"), undefined);
  });

  test("every Service and route is applied once, in batches of at most the batch size", () => {
    const shape = { services: 5, sidecars: 10, depends: 2 };
    const batches = meshApplies(shape, 3);
    assert.deepEqual(
      batches.map((b) => b.length),
      [3, 3, 3, 1],
    );
    assert.equal(batches.flat().filter((d) => d.kind === "services").length, 5);
  });

  test("a shape the scenario cannot run is refused, naming the flag", () => {
    assert.deepEqual(shapeProblems({ services: 1000, sidecars: 10_000, depends: 10 }), []);
    assert.match(shapeProblems({ services: 10, sidecars: 10, depends: 10 })[0] ?? "", /--depends/);
    assert.match(shapeProblems({ services: 10, sidecars: 50_000, depends: 2 })[0] ?? "", /--sidecars/);
  });
});

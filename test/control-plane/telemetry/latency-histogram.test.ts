import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  LATENCY_LAYOUT,
  LATENCY_RELATIVE_ERROR,
  LatencyHistogram,
  type SparseLatencyHistogram,
} from "../../../control-plane/src/telemetry/index.js";

// Floating-point rounding at a bucket edge may put a value one ulp over; the bound is still ALPHA.
const BOUND = LATENCY_RELATIVE_ERROR + 1e-9;

/** Latencies spread evenly on a log scale over the histogram's range (0.05 ms to 5 min). */
const latency = fc.double({ min: Math.log(0.051), max: Math.log(299_000), noNaN: true }).map(Math.exp);
const samples = fc.array(latency, { minLength: 1, maxLength: 400 });
const quantile = fc.oneof(fc.constantFrom(0, 0.5, 0.9, 0.95, 0.99, 1), fc.double({ min: 0, max: 1, noNaN: true }));

function histogramOf(values: readonly number[]): LatencyHistogram {
  const histogram = new LatencyHistogram();
  for (const value of values) histogram.record(value);
  return histogram;
}

/** The exact sample the histogram's quantile stands for: rank floor(q·(n-1)) in sorted order. */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

function relativeError(estimate: number, exact: number): number {
  return Math.abs(estimate - exact) / exact;
}

describe("latency histogram", () => {
  test("every quantile is within the documented relative error of the exact sample quantile", () => {
    fc.assert(
      fc.property(samples, quantile, (values, q) => {
        const estimate = histogramOf(values).quantile(q);
        assert.ok(estimate !== undefined);
        assert.ok(
          relativeError(estimate, exactQuantile(values, q)) <= BOUND,
          `${estimate} vs ${exactQuantile(values, q)}`,
        );
      }),
      { numRuns: 300 },
    );
  });

  test("the error bound holds for a merge of many histograms as for one", () => {
    fc.assert(
      fc.property(fc.array(samples, { minLength: 2, maxLength: 6 }), quantile, (parts, q) => {
        const merged = new LatencyHistogram();
        for (const part of parts) merged.merge(histogramOf(part));
        const all = parts.flat();
        assert.equal(merged.count, all.length);
        assert.ok(relativeError(merged.quantile(q) as number, exactQuantile(all, q)) <= BOUND);
      }),
      { numRuns: 100 },
    );
  });

  test("merging is associative and commutative: any grouping gives the same buckets", () => {
    fc.assert(
      fc.property(samples, samples, samples, (a, b, c) => {
        const left = histogramOf(a);
        left.merge(histogramOf(b));
        left.merge(histogramOf(c));
        const right = histogramOf(c);
        const ab = histogramOf(b);
        ab.merge(histogramOf(a));
        right.merge(ab);
        assert.deepEqual(left.toSparse().indices, right.toSparse().indices);
        assert.deepEqual(left.toSparse().counts, right.toSparse().counts);
        assert.ok(Math.abs(left.sumMs - right.sumMs) <= 1e-9 * left.sumMs);
      }),
      { numRuns: 100 },
    );
  });

  test("merging leaves the merged-in histogram unchanged", () => {
    const other = histogramOf([1, 2, 3]);
    const before = other.toSparse();
    histogramOf([4]).merge(other);
    assert.deepEqual(other.toSparse(), before);
  });

  test("an empty histogram has no quantiles", () => {
    assert.equal(new LatencyHistogram().quantile(0.5), undefined);
  });

  test("values at or below 50 µs report as 50 µs, values beyond 5 min as at least 5 min", () => {
    assert.equal(histogramOf([0, 0.01, 0.05]).quantile(1), 0.05);
    const overflow = histogramOf([3_600_000]).quantile(0.5) as number;
    assert.ok(overflow >= 300_000 && overflow < 3_600_000);
  });

  test("the sum is exact, and NaN, negative and infinite values add nothing to it", () => {
    const histogram = histogramOf([1.5, 2.25, Number.NaN, -4, Number.POSITIVE_INFINITY]);
    assert.equal(histogram.sumMs, 3.75);
    assert.equal(histogram.count, 5);
  });

  test("the sparse form reads back to the same histogram, through JSON", () => {
    fc.assert(
      fc.property(samples, (values) => {
        const sparse = histogramOf(values).toSparse();
        const back = LatencyHistogram.fromSparse(JSON.parse(JSON.stringify(sparse)));
        assert.deepEqual(back?.toSparse(), sparse);
      }),
      { numRuns: 50 },
    );
  });

  test("the sparse form lists only occupied buckets, ascending", () => {
    const sparse = histogramOf([10, 10, 1000, 0.001]).toSparse();
    assert.equal(sparse.indices.length, 3);
    assert.deepEqual(sparse.counts, [1, 2, 1]);
    assert.deepEqual(
      [...sparse.indices].sort((a, b) => a - b),
      sparse.indices,
    );
  });

  test("a sparse form that is not one this layout wrote is refused", () => {
    const good: SparseLatencyHistogram = { layout: LATENCY_LAYOUT, indices: [3, 7], counts: [1, 2], sumMs: 1 };
    assert.ok(LatencyHistogram.fromSparse(good) !== undefined);
    const bad: Record<string, SparseLatencyHistogram> = {
      "another layout": { ...good, layout: "linear-v1" },
      "lengths differ": { ...good, counts: [1] },
      "indices not ascending": { ...good, indices: [7, 3] },
      "an index repeated": { ...good, indices: [3, 3] },
      "a negative index": { ...good, indices: [-1, 3] },
      "an index past the overflow": { ...good, indices: [3, 10_000] },
      "a fractional index": { ...good, indices: [3, 7.5] },
      "a zero count": { ...good, counts: [0, 2] },
      "a fractional count": { ...good, counts: [1.5, 2] },
      "a negative sum": { ...good, sumMs: -1 },
      "a sum that is not a number": { ...good, sumMs: Number.NaN },
    };
    for (const [name, sparse] of Object.entries(bad)) {
      assert.equal(LatencyHistogram.fromSparse(sparse), undefined, name);
    }
  });

  test("Prometheus cumulative counts are monotonic, reach the count at +Inf, and misplace only values within the error of a bound", () => {
    const bounds = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 300_000];
    fc.assert(
      fc.property(samples, (values) => {
        const counts = histogramOf(values).cumulativeCounts(bounds);
        bounds.forEach((bound, i) => {
          const surely = values.filter((v) => v <= bound / (1 + BOUND)).length;
          const possibly = values.filter((v) => v <= bound * (1 + BOUND)).length;
          const count = counts[i] as number;
          assert.ok(count >= surely && count <= possibly, `le=${bound}: ${count} not in [${surely}, ${possibly}]`);
          if (i > 0) assert.ok(count >= (counts[i - 1] as number));
        });
        assert.deepEqual(histogramOf(values).cumulativeCounts([Number.POSITIVE_INFINITY]), [values.length]);
      }),
      { numRuns: 100 },
    );
  });
});

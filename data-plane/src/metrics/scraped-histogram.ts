// A Prometheus histogram with one label, kept as plain numbers and turned into prom-client's
// metric shape only when the registry is scraped.
//
// prom-client's Histogram#observe validates the labels, hashes them and looks the series up on
// every call; the request path observes once or twice per request, so it holds a series here and
// counts into a fixed array instead. The exposition is the one prom-client's Histogram gives:
// cumulative `_bucket` samples with `le`, then `+Inf`, `_sum` and `_count`; a series appears once
// it has been observed.
import type { Metric, Registry } from "prom-client";

/** One label value's counts; `buckets[i]` counts values in (bounds[i-1], bounds[i]], not cumulated. */
export interface HistogramSeries {
  readonly buckets: number[];
  sum: number;
  count: number;
}

interface Sample {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly sharedLabels: Record<string, string>;
  readonly metricName: string;
}

export interface ScrapedHistogramOptions {
  readonly name: string;
  readonly help: string;
  readonly labelName: string;
  /** Upper bounds, ascending. */
  readonly buckets: readonly number[];
  readonly registry: Registry;
}

export class ScrapedHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #labelName: string;
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, HistogramSeries>();

  constructor(options: ScrapedHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    this.#labelName = options.labelName;
    this.#bounds = options.buckets;
    // The registry takes any object with prom-client's metric methods (get, reset, name, type).
    options.registry.registerMetric(this as unknown as Metric);
  }

  /** The series of one label value, made (empty, not yet exported) the first time. */
  series(labelValue: string): HistogramSeries {
    let series = this.#series.get(labelValue);
    if (series === undefined) {
      series = { buckets: new Array<number>(this.#bounds.length).fill(0), sum: 0, count: 0 };
      this.#series.set(labelValue, series);
    }
    return series;
  }

  /** Counts `value` into `series`; a value that is not a finite number is not counted. */
  observe(series: HistogramSeries, value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    // Above the last bound: only +Inf (the count) has it.
    if (i < bounds.length) (series.buckets[i] as number)++;
    series.sum += value;
    series.count++;
  }

  /** Forgets every series (prom-client's Registry#resetMetrics). */
  reset(): void {
    this.#series.clear();
  }

  /** For the text exposition: the series' label as a shared label, as prom-client's Histogram gives it. */
  getForPromString(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    const bounds = this.#bounds;
    const bucketName = `${this.name}_bucket`;
    for (const [labelValue, series] of this.#series) {
      if (series.count === 0) continue;
      const shared = { [this.#labelName]: labelValue };
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += series.buckets[i] as number;
        values.push({
          value: cumulative,
          labels: { le: bounds[i] as number },
          sharedLabels: shared,
          metricName: bucketName,
        });
      }
      values.push({ value: series.count, labels: { le: "+Inf" }, sharedLabels: shared, metricName: bucketName });
      values.push({ value: series.sum, labels: {}, sharedLabels: shared, metricName: `${this.name}_sum` });
      values.push({ value: series.count, labels: {}, sharedLabels: shared, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** For getMetricsAsJSON: every label in `labels`. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map((sample) => ({
        ...sample,
        labels: { ...sample.sharedLabels, ...sample.labels },
        sharedLabels: {},
      })),
    };
  }
}

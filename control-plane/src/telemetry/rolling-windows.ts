// The control plane's memory of mesh traffic: reports go into fixed 10 s slots, and the 10 s, 1 m
// and 10 m windows are read from the last 1, 6 and 60 closed slots. Bounded by a cap on edges.
//
// Contracts:
// - A report's entries count in the slot open when it arrives, by this process's clock (reporters'
//   clocks are not trusted to agree). Slots are aligned to multiples of SLOT_MS since the epoch.
// - Windows hold closed slots only: the open one is still filling and would make rates jump, so a
//   report shows in every window from the end of its slot until that slot is older than the window.
// - A rate divides by the time inside the window during which collection ran (coverage.ts), not by
//   the window's length: at start, after a restart and across a gap it is the time actually watched.
// - At most `maxEdges` edges (an edge counted with its destination workload) are held at once, so at
//   most 5 × maxEdges series (one per response class). An entry for a new edge beyond the cap is
//   dropped and counted (`dropped()`); an edge seen in no slot of the last 10 min is forgotten, its
//   cumulative totals with it, which frees its place.
// - `totals()` are cumulative since start (and what was restored): monotonic while an edge is held,
//   for Prometheus counters. A forgotten edge that comes back starts again from 0, a counter reset.
// - `snapshot()` holds the closed slots, their cumulative totals and coverage as plain JSON, so a
//   restarted process that `restore()`s it loses only the slot that was open.
import { type Clock, systemClock } from "../../../time/index.js";
import { Coverage, type Span } from "./coverage.js";
import { type EdgeKey, edgeId, seriesId } from "./edge-key.js";
import { type EdgeStatsRecord, fromRecord, type Series, toRecord } from "./edge-stats.js";
import { type EdgeSummary, type ServiceSummary, summariseEdges, summariseServices } from "./window-summary.js";

export const SLOT_MS = 10_000;
export const WINDOWS = { "10s": 10_000, "1m": 60_000, "10m": 600_000 } as const;
export type WindowName = keyof typeof WINDOWS;
const RETAINED_MS = WINDOWS["10m"];
export const DEFAULT_MAX_EDGES = 10_000;

export interface TelemetryAggregatorOptions {
  readonly clock?: Clock;
  readonly maxEdges?: number;
}

/** What one call of `ingest` or `restore` did with its entries. */
export interface EntryOutcome {
  readonly accepted: number;
  /** Entries for new edges beyond the cap. */
  readonly dropped: number;
  /** Entries that are not valid records (edge-stats.ts, fromRecord). */
  readonly invalid: number;
}

/** Since start: entries refused at the cap, the requests they carried, and invalid entries. */
export interface DroppedCounts {
  readonly entries: number;
  readonly requests: number;
  readonly invalid: number;
}

export const SNAPSHOT_FORMAT = 1;

export interface TelemetrySnapshot {
  readonly format: number;
  readonly slotMs: number;
  readonly coverage: readonly Span[];
  readonly slots: readonly { readonly start: number; readonly series: readonly EdgeStatsRecord[] }[];
  readonly totals: readonly EdgeStatsRecord[];
}

export type RestoreOutcome =
  | ({ readonly restored: true; readonly slots: number } & EntryOutcome)
  | { readonly restored: false; readonly reason: "format" | "slot-width" };

interface Slot {
  readonly start: number;
  readonly series: Map<string, Series>;
}

function slotStartOf(at: number): number {
  return Math.floor(at / SLOT_MS) * SLOT_MS;
}

/** Adds `series` into `into`, copying its stats on first sight so no two maps share one object. */
function addInto(into: Map<string, Series>, series: Series): void {
  const id = seriesId(series.edge, series.responseClass);
  const held = into.get(id);
  if (held === undefined) into.set(id, { ...series, stats: series.stats.clone() });
  else held.stats.merge(series.stats);
}

export class TelemetryAggregator {
  readonly #clock: Clock;
  readonly #maxEdges: number;
  #open: Slot;
  /** Ascending by start, all before the open slot and within RETAINED_MS of it. */
  #closed: Slot[] = [];
  /** Cumulative totals of the closed slots, since start, per series of a held edge. */
  readonly #closedTotals = new Map<string, Series>();
  /** The held edges, each with the start of the newest slot it is counted in. */
  readonly #edges = new Map<string, number>();
  readonly #coverage = new Coverage();
  #dropped: DroppedCounts = { entries: 0, requests: 0, invalid: 0 };

  constructor(options: TelemetryAggregatorOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#maxEdges = options.maxEdges ?? DEFAULT_MAX_EDGES;
    const now = this.#clock.now();
    this.#open = { start: slotStartOf(now), series: new Map() };
    this.#coverage.add(now, Number.POSITIVE_INFINITY);
  }

  /** Counts a reporter's entries (one interval of its traffic) in the open slot. */
  ingest(records: readonly EdgeStatsRecord[]): EntryOutcome {
    this.#roll();
    return this.#addRecords(records, this.#open);
  }

  /** Per destination service over the window, most requests first. */
  services(window: WindowName): ServiceSummary[] {
    const { series, spanMs } = this.#window(window);
    return summariseServices(series, spanMs);
  }

  /** Per source -> destination service edge (per workload if asked) over the window, most requests first. */
  edges(window: WindowName, options: { readonly perWorkload?: boolean } = {}): EdgeSummary[] {
    const { series, spanMs } = this.#window(window);
    return summariseEdges(series, spanMs, options.perWorkload ?? false);
  }

  /** Cumulative series since start, open slot included; the caller owns the returned stats. */
  totals(): Series[] {
    this.#roll();
    const totals = new Map<string, Series>();
    for (const series of this.#closedTotals.values()) addInto(totals, series);
    for (const series of this.#open.series.values()) addInto(totals, series);
    return [...totals.values()];
  }

  dropped(): DroppedCounts {
    return this.#dropped;
  }

  /** The number of edges held now (at most maxEdges). */
  get edgeCount(): number {
    this.#roll();
    return this.#edges.size;
  }

  /** Everything but the open slot, as plain JSON (see the header). */
  snapshot(): TelemetrySnapshot {
    this.#roll();
    return {
      format: SNAPSHOT_FORMAT,
      slotMs: SLOT_MS,
      coverage: this.#coverage.spansUpTo(this.#open.start),
      slots: this.#closed.map((slot) => ({ start: slot.start, series: [...slot.series.values()].map(toRecord) })),
      totals: [...this.#closedTotals.values()].map(toRecord),
    };
  }

  /**
   * Adds a snapshot to what is held, as if its slots had been ingested when they were open. Slots
   * older than the longest window, or not before the open slot, are left out; at the cap the newest
   * slots' edges are kept. Totals come back only for edges held after the slots are in. A snapshot
   * of another format or slot width is refused whole and changes nothing.
   */
  restore(snapshot: TelemetrySnapshot): RestoreOutcome {
    const { format, slotMs, slots, totals, coverage } = snapshot;
    if (format !== SNAPSHOT_FORMAT || ![slots, totals, coverage].every(Array.isArray)) {
      return { restored: false, reason: "format" };
    }
    if (slotMs !== SLOT_MS) return { restored: false, reason: "slot-width" };
    this.#roll();
    const cutoff = this.#open.start - RETAINED_MS;
    let restoredSlots = 0;
    let outcome: EntryOutcome = { accepted: 0, dropped: 0, invalid: 0 };
    for (const saved of [...slots].sort((a, b) => b.start - a.start)) {
      const { start, series } = saved;
      if (!Number.isSafeInteger(start) || start % SLOT_MS !== 0 || !Array.isArray(series)) continue;
      if (start < cutoff || start >= this.#open.start) continue;
      outcome = addOutcomes(outcome, this.#addRecords(series, this.#closedSlot(start)));
      restoredSlots += 1;
    }
    for (const record of totals) {
      const series = fromRecord(record);
      if (series !== undefined && this.#edges.has(edgeId(series.edge))) addInto(this.#closedTotals, series);
    }
    for (const span of coverage) {
      if (Array.isArray(span) && span.length === 2 && span.every(Number.isFinite)) {
        this.#coverage.add(span[0], Math.min(span[1], this.#open.start));
      }
    }
    this.#coverage.forgetBefore(cutoff);
    return { restored: true, slots: restoredSlots, ...outcome };
  }

  #addRecords(records: readonly EdgeStatsRecord[], slot: Slot): EntryOutcome {
    let accepted = 0;
    let dropped = 0;
    let invalid = 0;
    let droppedRequests = 0;
    for (const record of records) {
      const series = fromRecord(record);
      if (series === undefined) invalid += 1;
      else if (!this.#hold(series.edge, slot.start)) {
        dropped += 1;
        droppedRequests += series.stats.requests;
      } else {
        addInto(slot.series, series);
        accepted += 1;
      }
    }
    const d = this.#dropped;
    this.#dropped = {
      entries: d.entries + dropped,
      requests: d.requests + droppedRequests,
      invalid: d.invalid + invalid,
    };
    return { accepted, dropped, invalid };
  }

  /** Holds the edge as seen in the slot starting at `slotStart`; false when it is new and the cap is reached. */
  #hold(edge: EdgeKey, slotStart: number): boolean {
    const id = edgeId(edge);
    const lastSeen = this.#edges.get(id);
    if (lastSeen === undefined && this.#edges.size >= this.#maxEdges) return false;
    this.#edges.set(id, Math.max(lastSeen ?? slotStart, slotStart));
    return true;
  }

  /** The closed slot starting at `start`, made (in order) if missing. */
  #closedSlot(start: number): Slot {
    const found = this.#closed.find((slot) => slot.start === start);
    if (found !== undefined) return found;
    const slot: Slot = { start, series: new Map() };
    this.#closed = [...this.#closed, slot].sort((a, b) => a.start - b.start);
    return slot;
  }

  /** Closes the open slot if the clock has left it, and forgets what fell out of the longest window. */
  #roll(): void {
    const start = slotStartOf(this.#clock.now());
    if (start <= this.#open.start) return;
    if (this.#open.series.size > 0) {
      this.#closed.push(this.#open);
      for (const series of this.#open.series.values()) addInto(this.#closedTotals, series);
    }
    this.#open = { start, series: new Map() };
    const cutoff = start - RETAINED_MS;
    this.#closed = this.#closed.filter((slot) => slot.start >= cutoff);
    for (const [id, lastSeen] of this.#edges) if (lastSeen < cutoff) this.#edges.delete(id);
    for (const [id, series] of this.#closedTotals) {
      if (!this.#edges.has(edgeId(series.edge))) this.#closedTotals.delete(id);
    }
    this.#coverage.forgetBefore(cutoff);
  }

  /** The window's series, merged over its closed slots, and the ms of it that were collected. */
  #window(window: WindowName): { series: Series[]; spanMs: number } {
    this.#roll();
    const end = this.#open.start;
    const from = end - WINDOWS[window];
    const merged = new Map<string, Series>();
    for (const slot of this.#closed) {
      if (slot.start >= from) for (const series of slot.series.values()) addInto(merged, series);
    }
    return { series: [...merged.values()], spanMs: this.#coverage.overlap(from, end) };
  }
}

function addOutcomes(a: EntryOutcome, b: EntryOutcome): EntryOutcome {
  return { accepted: a.accepted + b.accepted, dropped: a.dropped + b.dropped, invalid: a.invalid + b.invalid };
}

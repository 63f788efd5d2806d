// What a simulated proxy connection reports to the process that runs it, and what it shares with
// the other connections of that process.
import type { ChangeWatch } from "./cp-xds-messages.js";
import type { ResourceViews } from "./cp-xds-resource-view.js";

export interface ProxyHooks {
  /** Decoded resources, shared by every connection of the process. */
  readonly views: ResourceViews;
  /** The content the current change round looks for, if a round is on. */
  readonly watch: ChangeWatch | undefined;
  /** The first response arrived: the connection is up (frees a slot for the next connection to open). */
  connected(proxy: SimulatedProxy): void;
  /** The proxy ACKed LDS, CDS, RDS and EDS for every name it needs. */
  synced(proxy: SimulatedProxy, at: number): void;
  /** The proxy ACKed a response holding the watched content; `resources` is how many resources that response carried. */
  changeAcked(proxy: SimulatedProxy, at: number, resources: number): void;
  /** The stream failed; the connection is out of the benchmark. */
  failed(proxy: SimulatedProxy, error: Error): void;
}

export interface SimulatedProxy {
  readonly id: number;
  start(): void;
  close(): void;
}

/** Now, in epoch milliseconds with sub-millisecond precision (see cp-xds-messages.ts). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Whether two name lists hold the same names (both are kept sorted and unique). */
export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

/** The sorted, unique union of every view's references. */
export function referencedNames(views: Iterable<{ readonly references: readonly string[] }>): string[] {
  const names = new Set<string>();
  for (const view of views) for (const name of view.references) names.add(name);
  return [...names].sort();
}

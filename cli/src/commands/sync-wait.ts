// `weft apply --wait`: polls GET /v1/proxies until every connected proxy has acknowledged the
// config now in the store, and fails at the first proxy that rejects it.
//
// For a state-of-the-world stream, version_info is a hash of the names and content versions of
// the resources the subscription selects (control plane: versionOfResources), so the version a
// proxy must have acknowledged can be computed from the resource lists: that tells an ACK of the
// new config from an ACK of the previous one, even before the new snapshot reaches the stream.
// Where it cannot be computed (delta streams, whose versions are store revisions; endpoint
// subscriptions that include the empty assignments Weft makes for EDS clusters without endpoints),
// the state alone must be SYNCED.
//
// A listener scoped to some nodes (metadata.filter_metadata.weft, control plane:
// snapshot/node-scope.ts) is part of the version only for the proxies it is served to.
import { createHash } from "node:crypto";
import { type Command, Option } from "commander";
import { inScope, type NodeScope, SCOPE_METADATA_KEY } from "../../../control-plane/src/snapshot/node-scope-rules.js";
import type { ApiKind, ProxyStatus, ResourceList, TypeStatus, WeftApi } from "../client/index.js";
import { CliError, CliErrorCode } from "../errors.js";
import { parseDuration } from "./client-options.js";
import { KIND_ORDER, kindOfTypeUrl } from "./resource-kinds.js";

const SHORT_NAMES: Readonly<Record<ApiKind, string>> = {
  listeners: "LDS",
  routes: "RDS",
  clusters: "CDS",
  endpoints: "EDS",
};

/** LDS, RDS, CDS, EDS, or the type URL's last part for another type. */
export function shortTypeName(typeUrl: string): string {
  const kind = kindOfTypeUrl(typeUrl);
  return kind === undefined ? (typeUrl.split(".").pop() ?? typeUrl) : SHORT_NAMES[kind];
}

type Stored = ReadonlyMap<ApiKind, ReadonlyMap<string, string>>;

/** The SotW version_info the control plane sends for `subscribed`, or undefined if it cannot be known here. */
function expectedVersion(kind: ApiKind, subscribed: readonly string[], stored: Stored): string | undefined {
  const all = stored.get(kind) ?? new Map<string, string>();
  const wildcard = subscribed.includes("*");
  const names = subscribed.filter((name) => name !== "*");
  if (kind === "endpoints" && (wildcard || names.some((name) => !all.has(name)))) return undefined;
  const chosen = new Map<string, string>();
  if (wildcard) for (const [name, version] of all) chosen.set(name, version);
  for (const name of names) {
    const version = all.get(name);
    if (version !== undefined) chosen.set(name, version);
  }
  const hash = createHash("sha256");
  for (const name of [...chosen.keys()].sort()) hash.update(`${name}\0${chosen.get(name)}\n`);
  return hash.digest("hex").slice(0, 24);
}

const DELTA_VERSION = /^\d{1,20}$/;

interface TypeVerdict {
  readonly synced: boolean;
  readonly nack?: string;
}

function judgeType(typeUrl: string, status: TypeStatus, stored: Stored, startedAt: number): TypeVerdict {
  const kind = kindOfTypeUrl(typeUrl);
  const delta = DELTA_VERSION.test(status.versionSent) || DELTA_VERSION.test(status.versionAcked);
  const expected = kind === undefined || delta ? undefined : expectedVersion(kind, status.subscribed, stored);
  if (status.state === "NACKED") {
    const rejectedNow =
      expected !== undefined
        ? status.versionSent === expected
        : status.lastNack !== null && Date.parse(status.lastNack.at) >= startedAt - 1000;
    return rejectedNow ? { synced: false, nack: status.lastNack?.message ?? "rejected" } : { synced: false };
  }
  // A proxy subscribed to no names (RDS once its last listener is gone) is owed nothing: the
  // control plane sends no response for an empty subscription, so the version it acked stays.
  if (status.subscribed.length === 0) return { synced: true };
  if (status.state !== "SYNCED") return { synced: false };
  return { synced: expected === undefined || status.versionAcked === expected };
}

export interface ProxyVerdict {
  readonly nodeId: string;
  readonly synced: boolean;
  /** What is still outstanding, e.g. "LDS STALE". */
  readonly waitingFor: readonly string[];
  /** Rejections of the config now in the store, e.g. "LDS: listener x: bind failed". */
  readonly nacks: readonly string[];
}

/**
 * How each proxy stands against the store's current resources (`stored`: name → version per kind;
 * `scopes`: the scoped listeners' scopes by name).
 */
export function judgeProxies(
  proxies: readonly ProxyStatus[],
  stored: Stored,
  startedAt: number,
  scopes: ReadonlyMap<string, NodeScope> = new Map(),
): ProxyVerdict[] {
  return proxies.map((proxy) => {
    const waitingFor: string[] = [];
    const nacks: string[] = [];
    const served = servedTo(proxy, stored, scopes);
    for (const [typeUrl, status] of Object.entries(proxy.types)) {
      const verdict = judgeType(typeUrl, status, served, startedAt);
      if (verdict.nack !== undefined) nacks.push(`${shortTypeName(typeUrl)}: ${verdict.nack}`);
      if (!verdict.synced) waitingFor.push(`${shortTypeName(typeUrl)} ${status.state}`);
    }
    return { nodeId: proxy.nodeId, synced: waitingFor.length === 0, waitingFor, nacks };
  });
}

/** `stored` without the listeners not served to `proxy`. */
function servedTo(proxy: ProxyStatus, stored: Stored, scopes: ReadonlyMap<string, NodeScope>): Stored {
  if (scopes.size === 0) return stored;
  const node = { id: proxy.nodeId, cluster: proxy.cluster };
  const listeners = [...(stored.get("listeners") ?? [])].filter(([name]) => {
    const scope = scopes.get(name);
    return scope === undefined || inScope(scope, node);
  });
  return new Map([...stored, ["listeners", new Map(listeners)]]);
}

/** A listener's scope from its canonical JSON, as the control plane reads it; undefined: every node. */
function scopeOf(listener: Record<string, unknown>): NodeScope | undefined {
  const metadata = listener.metadata as { filter_metadata?: Record<string, Record<string, unknown>> } | undefined;
  const weft = metadata?.filter_metadata?.[SCOPE_METADATA_KEY];
  if (weft === undefined) return undefined;
  const set = (value: unknown) => (Array.isArray(value) ? new Set(value.map(String)) : undefined);
  const scope = { nodeClusters: set(weft.node_clusters), nodeIds: set(weft.node_ids) };
  return scope.nodeClusters === undefined && scope.nodeIds === undefined ? undefined : scope;
}

async function storedVersions(api: StatusSource): Promise<{ stored: Stored; scopes: Map<string, NodeScope> }> {
  const lists: ResourceList[] = await Promise.all(KIND_ORDER.map((kind) => api.list(kind)));
  const scopes = new Map<string, NodeScope>();
  for (const item of lists.find((list) => list.kind === "listeners")?.items ?? []) {
    const scope = scopeOf(item.resource);
    if (scope !== undefined) scopes.set(item.name, scope);
  }
  const stored = new Map(
    lists.map((list) => [list.kind, new Map(list.items.map((item) => [item.name, item.version]))]),
  );
  return { stored, scopes };
}

/** What waiting reads from the API. */
export type StatusSource = Pick<WeftApi, "proxies" | "list">;

export interface WaitOptions {
  readonly timeoutMs: number;
  /** Between polls; 200 ms by default. */
  readonly intervalMs?: number;
  /** Progress lines, e.g. "2/3 proxies synced". */
  readonly progress: (line: string) => void;
}

/** Resolves once every connected proxy is in sync; throws WAIT_TIMEOUT or PROXY_NACKED. */
export async function waitForSync(api: StatusSource, options: WaitOptions): Promise<void> {
  const startedAt = Date.now();
  const deadline = startedAt + options.timeoutMs;
  let last = "";
  for (;;) {
    const [proxies, { stored, scopes }] = await Promise.all([api.proxies(), storedVersions(api)]);
    const verdicts = judgeProxies(proxies, stored, startedAt, scopes);
    const rejected = verdicts.filter((v) => v.nacks.length > 0);
    if (rejected.length > 0) {
      const text = rejected.map((v) => `${v.nodeId} rejected the config (${v.nacks.join("; ")})`).join("; ");
      throw new CliError(CliErrorCode.proxyNacked, text);
    }
    const synced = verdicts.filter((v) => v.synced).length;
    const line = proxies.length === 0 ? "no proxies connected" : `${synced}/${proxies.length} proxies synced`;
    if (line !== last) options.progress(line);
    last = line;
    if (synced === proxies.length) return;
    if (Date.now() >= deadline) {
      const behind = verdicts
        .filter((v) => !v.synced)
        .map((v) => `${v.nodeId} (${v.waitingFor.join(", ")})`)
        .join(", ");
      throw new CliError(
        CliErrorCode.waitTimeout,
        `${line} after ${options.timeoutMs / 1000}s; still waiting for ${behind}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}

/** --wait and --wait-timeout, for the commands that write the config. */
export function addWaitOptions(command: Command): Command {
  return command
    .option("--wait", "then wait until every connected proxy has acknowledged the new config")
    .addOption(
      new Option("--wait-timeout <duration>", "how long --wait waits").argParser(parseDuration).default(60_000, "60s"),
    );
}

export interface WaitFlags {
  wait?: boolean;
  waitTimeout: number;
}

/** What a command wrote: the revisions it created, if any. */
export interface Written {
  /** The store's revision once the command's writes are done. */
  readonly revision: number;
  /** The revision right before its first write (restoring it undoes them), or undefined if it wrote nothing. */
  readonly before: number | undefined;
}

/**
 * With --wait, waits for the proxies after `written` (waitForSync). When they reject the config,
 * or time runs out, the error also says that the config stays stored, and how to undo the
 * command's writes: a failed wait changes nothing in the store.
 */
export async function waitAfterWrite(
  api: StatusSource,
  flags: WaitFlags,
  written: Written,
  options: Pick<WaitOptions, "intervalMs" | "progress">,
): Promise<void> {
  if (flags.wait !== true) return;
  try {
    await waitForSync(api, { timeoutMs: flags.waitTimeout, ...options });
  } catch (error) {
    if (
      !(error instanceof CliError) ||
      (error.code !== CliErrorCode.proxyNacked && error.code !== CliErrorCode.waitTimeout)
    )
      throw error;
    const stored =
      written.before === undefined
        ? `this command wrote nothing; the config in the store is revision ${written.revision}`
        : `the config stays stored as revision ${written.revision}` +
          (error.code === CliErrorCode.proxyNacked ? `; to undo it: weft rollback ${written.before}` : "");
    throw new CliError(error.code, `${error.message}\n${stored}`, { cause: error });
  }
}

// `weft apply --wait`: polls GET /v1/proxies until every connected proxy runs the store revision
// the command wrote (or a later one) on every type, and fails at the first proxy that rejects it.
//
// The control plane says, per proxy and type, the latest revision whose config that proxy runs
// (`revision`: it acknowledged what that revision selects for it, or the revision changed nothing
// it is sent) and, for a rejection, the latest revision it cannot run because of it
// (`lastNack.revision`). Which resources a proxy is sent (its subscription, node-scoped
// listeners, the empty assignments made for EDS clusters) is the control plane's business alone.
import { type Command, Option } from "commander";
import { kindOfTypeUrl } from "../../../proto/index.js";
import type { ProxyStatus, TypeStatus, WeftApi } from "../client/index.js";
import { CliError, CliErrorCode } from "../errors.js";
import { parseDuration } from "./client-options.js";

/** LDS, RDS, CDS, EDS, or the type URL's last part for another type. */
export function shortTypeName(typeUrl: string): string {
  return kindOfTypeUrl(typeUrl)?.discoveryService ?? typeUrl.split(".").pop() ?? typeUrl;
}

interface TypeVerdict {
  readonly synced: boolean;
  readonly nack?: string;
}

/** Whether `status` runs `revision` or later, or rejected it (or a later one). */
function judgeType(status: TypeStatus, revision: number): TypeVerdict {
  if (status.revision !== null && status.revision >= revision) return { synced: true };
  const rejected = status.lastNack?.revision;
  if (rejected !== undefined && rejected !== null && rejected >= revision) {
    return { synced: false, nack: status.lastNack?.message ?? "rejected" };
  }
  return { synced: false };
}

export interface ProxyVerdict {
  readonly nodeId: string;
  readonly synced: boolean;
  /** What is still outstanding, e.g. "LDS STALE". */
  readonly waitingFor: readonly string[];
  /** Rejections of the revision waited for (or a later one), e.g. "LDS: listener x: bind failed". */
  readonly nacks: readonly string[];
}

/** How each proxy stands against `revision`: synced once every type runs it or a later one. */
export function judgeProxies(proxies: readonly ProxyStatus[], revision: number): ProxyVerdict[] {
  return proxies.map((proxy) => {
    const waitingFor: string[] = [];
    const nacks: string[] = [];
    for (const [typeUrl, status] of Object.entries(proxy.types)) {
      const verdict = judgeType(status, revision);
      if (verdict.nack !== undefined) nacks.push(`${shortTypeName(typeUrl)}: ${verdict.nack}`);
      if (!verdict.synced) waitingFor.push(`${shortTypeName(typeUrl)} ${status.state}`);
    }
    return { nodeId: proxy.nodeId, synced: waitingFor.length === 0, waitingFor, nacks };
  });
}

/** What waiting reads from the API. */
export type StatusSource = Pick<WeftApi, "proxies">;

export interface WaitOptions {
  /** The store revision every proxy must run (the one the write created). */
  readonly revision: number;
  readonly timeoutMs: number;
  /** Between polls; 200 ms by default. */
  readonly intervalMs?: number;
  /** Progress lines, e.g. "2/3 proxies synced". */
  readonly progress: (line: string) => void;
}

/** Resolves once every connected proxy runs `options.revision` or later; throws WAIT_TIMEOUT or PROXY_NACKED. */
export async function waitForSync(api: StatusSource, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = "";
  for (;;) {
    const proxies = await api.proxies();
    const verdicts = judgeProxies(proxies, options.revision);
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
    await waitForSync(api, { revision: written.revision, timeoutMs: flags.waitTimeout, ...options });
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

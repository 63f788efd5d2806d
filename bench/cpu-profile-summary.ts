// Summarizes a V8 CPU profile (node --cpu-prof): the functions with the most self time, and the
// project files with the most inclusive time, as shares of all samples. Usage:
//   tsx bench/cpu-profile-summary.ts FILE.cpuprofile [TOP]
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

export interface Profile {
  /** Microseconds on the monotonic clock, as process.hrtime.bigint() / 1000n reads it. */
  readonly startTime: number;
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function shortUrl(url: string): string {
  const repo = url.indexOf("/work/");
  const trimmed = url.replace(/^file:\/\//, "");
  const nodeModules = trimmed.lastIndexOf("node_modules/");
  if (nodeModules >= 0) return trimmed.slice(nodeModules + "node_modules/".length);
  return repo >= 0 ? trimmed.replace(/^.*?\/work\/[^/]+\//, "") : trimmed || "(native)";
}

/** A time window on the monotonic clock, in microseconds (process.hrtime.bigint() / 1000n). */
export interface Window {
  readonly startUs: number;
  readonly endUs: number;
}

/** Where a frame's code lives: a project file, an npm package, a Node.js module, or V8 itself. */
function place(url: string): { file: string; project: boolean; module: string } {
  const path = url.replace(/^file:\/\//, "");
  const nodeModules = path.lastIndexOf("node_modules/");
  if (nodeModules >= 0) {
    const rest = path.slice(nodeModules + "node_modules/".length);
    const parts = rest.split("/");
    return { file: rest, project: false, module: parts.slice(0, rest.startsWith("@") ? 2 : 1).join("/") };
  }
  if (path.startsWith("node:")) return { file: path, project: false, module: "node internals" };
  if (path === "") return { file: "(native)", project: false, module: "(native)" };
  const file = shortUrl(url);
  return { file, project: true, module: file };
}

/**
 * Summarizes the samples taken within `window` (all of them without one): self time by function,
 * and inclusive time by project function and by module (project file or npm package), as shares
 * of the samples in the window (idle included, so shares add up to the time the window lasted).
 */
export function summarizeProfile(profile: Profile, top = 25, window?: Window): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (window && (at < window.startUs || at > window.endUs)) return;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const add = (map: Map<string, number>, key: string, time: number) => map.set(key, (map.get(key) ?? 0) + time);
  const selfByFunction = new Map<string, number>();
  const inclusiveByFunction = new Map<string, number>();
  const inclusiveByModule = new Map<string, number>();
  for (const [id, time] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const label = (frame: ProfileNode["callFrame"]) => {
      const where = place(frame.url);
      const line = where.project ? "" : `:${frame.lineNumber + 1}`;
      return `${where.file}:${frame.functionName || "(anonymous)"}${line}`;
    };
    add(selfByFunction, label(node.callFrame), time);
    // Inclusive: once per sample for each project function and each module on the stack.
    const functions = new Set<string>();
    const modules = new Set<string>();
    for (let onStack: number | undefined = id; onStack !== undefined; onStack = parent.get(onStack)) {
      const frame = byId.get(onStack)?.callFrame;
      if (!frame) continue;
      const where = place(frame.url);
      if (where.project) functions.add(label(frame));
      if (frame.url !== "") modules.add(where.module);
    }
    for (const key of functions) add(inclusiveByFunction, key, time);
    for (const key of modules) add(inclusiveByModule, key, time);
  }
  const pct = (time: number) => `${((100 * time) / total).toFixed(1)}%`.padStart(6);
  const list = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, time]) => `  ${pct(time)}  ${key}`);
  return [
    `sampled: ${(total / 1e6).toFixed(2)} s`,
    "self time by function:",
    ...list(selfByFunction),
    "inclusive time by project function:",
    ...list(inclusiveByFunction),
    "inclusive time by module (project file or package):",
    ...list(inclusiveByModule),
  ].join("\n");
}

/**
 * Summarizes the control plane's main-thread profile in `dir` (one profile per thread; the main
 * thread's is the largest, the other is tsx's loader) for each of `phases`, under a first line
 * `# TITLE: FILE`; writes the text to `dir`/summary.txt and logs it.
 */
export async function summarizeMainThreadProfile(
  dir: string,
  title: string,
  phases: readonly { readonly heading: string; readonly window: Window }[],
  top: number,
  log: (line: string) => void,
): Promise<void> {
  const files = (await readdir(dir)).filter((name) => name.endsWith(".cpuprofile"));
  const sized = await Promise.all(files.map(async (name) => ({ name, size: (await stat(join(dir, name))).size })));
  const main = sized.sort((a, b) => b.size - a.size)[0];
  if (!main) {
    log(`no CPU profile in ${dir}`);
    return;
  }
  const profile = JSON.parse(await readFile(join(dir, main.name), "utf8")) as Profile;
  const text = [
    `# ${title}: ${main.name}`,
    ...phases.flatMap(({ heading, window }) => [`## ${heading}`, summarizeProfile(profile, top, window)]),
  ].join("\n");
  await writeFile(join(dir, "summary.txt"), `${text}\n`);
  log(text);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write("usage: tsx bench/cpu-profile-summary.ts FILE.cpuprofile [TOP]\n");
    process.exit(2);
  }
  const profile = JSON.parse(await readFile(file, "utf8")) as Profile;
  process.stdout.write(`${summarizeProfile(profile, Number(top ?? 25))}\n`);
}

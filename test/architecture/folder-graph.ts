// The folder-level import graph of the source tree: which layer imports which. A folder is one
// directory directly under a source root (`control-plane/src/xds`, `data-plane/src/http`,
// `cli/src/commands`); a file directly under a root is a node of its own
// (`control-plane/src/main.ts`). `proto/` is one layer, `proto/gen/` (generated) another, and
// `time/` (the injected clock) a third.
// Type-only imports and `import()` count: a cycle through types still ties two layers together.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** Source roots whose first-level folders are the layers. */
export const SOURCE_ROOTS = ["control-plane/src", "data-plane/src", "cli/src"] as const;
/** Roots that are one layer each, however many folders they hold. */
export const WHOLE_LAYERS = ["proto/gen", "proto", "time"] as const;

/** One import that makes an edge: `from` imports `to`, seen first in `file`. */
export interface FolderEdge {
  readonly from: string;
  readonly to: string;
  readonly file: string;
  readonly specifier: string;
}

/** The layer a repository-relative path (forward slashes) belongs to, or undefined outside the roots. */
export function layerOf(path: string): string | undefined {
  for (const layer of WHOLE_LAYERS) {
    if (path === layer || path.startsWith(`${layer}/`)) return layer;
  }
  for (const root of SOURCE_ROOTS) {
    if (!path.startsWith(`${root}/`)) continue;
    const first = path.slice(root.length + 1).split("/")[0];
    return first === undefined ? undefined : `${root}/${first}`;
  }
  return undefined;
}

function sourceFiles(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.(m|c)?ts$/.test(entry) && !entry.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Every edge between two different layers, one per (from, to) pair, from the .ts files under `repoRoot`. */
export function folderEdges(repoRoot: string): FolderEdge[] {
  const edges = new Map<string, FolderEdge>();
  const roots = [...SOURCE_ROOTS, "proto", "time"]
    .map((root) => join(repoRoot, root))
    .filter((root) => existsSync(root));
  for (const file of roots.flatMap((root) => sourceFiles(root, []))) {
    const fromPath = relative(repoRoot, file).split(sep).join("/");
    const from = layerOf(fromPath);
    if (from === undefined) continue;
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith(".")) continue; // a package, not a layer of ours
      // ESM specifiers name the emitted `.js`; the source beside it is `.ts`.
      const target = relative(repoRoot, resolve(dirname(file), specifier))
        .split(sep)
        .join("/")
        .replace(/\.(m|c)?js$/, ".$1ts");
      const to = layerOf(target);
      if (to === undefined || to === from) continue;
      const key = `${from}\u0000${to}`;
      if (!edges.has(key)) edges.set(key, { from, to, file: fromPath, specifier });
    }
  }
  return [...edges.values()];
}

/**
 * Every cycle's strongly connected set of layers (Tarjan), each given as one closed path
 * `a -> b -> ... -> a` with the import that makes each step. Empty when the graph is acyclic.
 */
export function folderCycles(edges: readonly FolderEdge[]): FolderEdge[][] {
  const out = new Map<string, FolderEdge[]>();
  for (const edge of edges) out.set(edge.from, [...(out.get(edge.from) ?? []), edge]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    onStack.add(node);
    for (const { to } of out.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  const nodes = [...new Set(edges.flatMap((edge) => [edge.from, edge.to]))].sort();
  for (const node of nodes) if (!index.has(node)) visit(node);
  return components.map((component) => closedPath(component, out));
}

/** A shortest cycle through the first layer of a strongly connected set (breadth-first inside it). */
function closedPath(component: readonly string[], out: ReadonlyMap<string, FolderEdge[]>): FolderEdge[] {
  const members = new Set(component);
  const start = component[0] as string;
  const cameBy = new Map<string, FolderEdge>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const edge of out.get(node) ?? []) {
      if (!members.has(edge.to)) continue;
      if (edge.to === start) {
        const path = [edge];
        for (let at = node; at !== start; ) {
          const step = cameBy.get(at) as FolderEdge;
          path.unshift(step);
          at = step.from;
        }
        return path;
      }
      if (!cameBy.has(edge.to)) {
        cameBy.set(edge.to, edge);
        queue.push(edge.to);
      }
    }
  }
  throw new Error(`no cycle through ${start}`); // unreachable for a strongly connected set
}

/** One line per cycle: `a -> b -> a (a/x.ts imports ../b/y.js; b/y.ts imports ../a/z.js)`. */
export function describeCycle(cycle: readonly FolderEdge[]): string {
  const layers = [...cycle.map((edge) => edge.from), cycle[0]?.from].join(" -> ");
  const imports = cycle.map((edge) => `${edge.file} imports ${edge.specifier}`).join("; ");
  return `${layers} (${imports})`;
}

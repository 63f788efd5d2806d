// Resource documents as operators write them: YAML or JSON files (JSON is YAML), several documents
// per file, each `kind: Cluster` next to the Envoy resource's own fields. Also accepted, since
// files are often copied from API calls: `{kind, resource}` items, `{"resources": [...]}` bodies
// and lists of documents (what `weft get -o json` prints for several resources).

import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { Option } from "commander";
import {
  ALL_MESH_KINDS,
  isMeshKindName,
  MESH_KINDS,
  meshKindOfDocument,
} from "../../../control-plane/src/mesh/index.js";
import { ALL_KINDS, KINDS, listOfNames } from "../../../proto/index.js";
import type { ApiKind, ApplyItem } from "../client/index.js";
import { CliError, CliErrorCode } from "../errors.js";
import { kindOf, kindOfTypeUrl, label, nameOf } from "./resource-kinds.js";

/** The API's nesting limit: a deeper document would be refused there anyway. */
const MAX_DEPTH = 64;
const EXTENSIONS: ReadonlySet<string> = new Set([".yaml", ".yml", ".json"]);

export interface ResourceDocument {
  readonly kind: ApiKind;
  readonly name: string;
  /** The Envoy resource, as written (without `kind`); a mesh document whole, as written. */
  readonly resource: Record<string, unknown>;
  /** Where it was written: `dir/clusters.yaml#2` (documents counted from 1). */
  readonly source: string;
}

interface SourceText {
  readonly name: string;
  readonly text: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

async function filesOf(dir: string, recursive: boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) files.push(...(await filesOf(path, recursive)));
    } else if (EXTENSIONS.has(extname(entry.name).toLowerCase())) {
      files.push(path);
    }
  }
  return files;
}

/** The texts `-f` names: a file, every *.yaml, *.yml and *.json of a folder (sorted), or "-" for stdin. */
export async function readSources(
  paths: readonly string[],
  options: { recursive?: boolean; stdin?: NodeJS.ReadableStream } = {},
): Promise<SourceText[]> {
  const texts: SourceText[] = [];
  for (const path of paths) {
    try {
      if (path === "-") {
        texts.push({ name: "stdin", text: await readStdin(options.stdin ?? process.stdin) });
        continue;
      }
      const files = (await stat(path)).isDirectory() ? await filesOf(path, options.recursive === true) : [path];
      for (const file of files) texts.push({ name: file, text: await readFile(file, "utf8") });
    } catch (error) {
      const reason = (error as { code?: unknown }).code === "ENOENT" ? "no such file or folder" : String(error);
      throw new CliError(CliErrorCode.readFailed, `cannot read ${path}: ${reason}`, { cause: error });
    }
  }
  return texts;
}

/** Every resource document of `sources`; one error lists every problem found. */
export async function parseDocuments(sources: readonly SourceText[]): Promise<ResourceDocument[]> {
  // The API's own strict reader, so a file is refused here for what the API would refuse it for.
  const { parseStrictYaml } = await import("../../../control-plane/src/api/body/strict-yaml.js");
  const problems: string[] = [];
  const documents: ResourceDocument[] = [];
  for (const source of sources) {
    let values: unknown[];
    try {
      values = parseStrictYaml(source.text, MAX_DEPTH);
    } catch (error) {
      const where = error as { line?: unknown; column?: unknown; path?: unknown };
      const at = typeof where.line === "number" ? `: line ${where.line}, column ${String(where.column)}` : "";
      const path = typeof where.path === "string" && where.path !== "" ? ` (at ${where.path})` : "";
      problems.push(`${source.name}${at}: ${error instanceof Error ? error.message : String(error)}${path}`);
      continue;
    }
    values.forEach((value, i) => {
      if (value !== null) collect(value, `${source.name}#${i + 1}`, documents, problems);
    });
  }
  const seen = new Map<string, string>();
  for (const document of documents) {
    const key = label(document.kind, document.name);
    const earlier = seen.get(key);
    if (earlier !== undefined) problems.push(`${document.source}: ${key} is also given at ${earlier}`);
    else seen.set(key, document.source);
  }
  if (problems.length > 0) {
    throw new CliError(
      CliErrorCode.invalidDocument,
      `${problems.length === 1 ? "a document is" : `${problems.length} documents are`} not usable, nothing sent:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
  }
  return documents;
}

function collect(value: unknown, source: string, documents: ResourceDocument[], problems: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      collect(item, `${source}[${i}]`, documents, problems);
    });
    return;
  }
  if (!isRecord(value)) {
    problems.push(`${source}: expected a mapping with kind and the resource's fields`);
    return;
  }
  // The API's own body: {"resources": [{kind, resource}, ...]}.
  if (!("kind" in value) && !("@type" in value) && Array.isArray(value.resources)) {
    value.resources.forEach((item, i) => {
      collect(item, `${source}.resources[${i}]`, documents, problems);
    });
    return;
  }
  // A Kubernetes-shaped mesh document is known by its apiVersion and kept whole.
  if ("apiVersion" in value) {
    collectMeshDocument(value, source, documents, problems);
    return;
  }
  const { kind: kindField, ...rest } = value;
  const wrapped = "resource" in value && Object.keys(rest).length === 1;
  const resource = wrapped ? value.resource : rest;
  if (!isRecord(resource)) {
    problems.push(`${source}: resource: expected a mapping`);
    return;
  }
  const typeUrl = resource["@type"];
  const kind =
    typeof kindField === "string"
      ? kindOf(kindField)
      : kindField === undefined && typeof typeUrl === "string"
        ? kindOfTypeUrl(typeUrl)
        : undefined;
  if (kind === undefined) {
    problems.push(
      `${source}: kind: ${kindField === undefined ? "missing" : `unknown kind ${JSON.stringify(kindField)}`}; expected ${listOfNames(ALL_KINDS.map((k) => k.messageName))}`,
    );
    return;
  }
  if (isMeshKindName(kind)) {
    const mesh = MESH_KINDS[kind];
    problems.push(`${source}: apiVersion: missing; a ${mesh.kind} document starts with apiVersion: ${mesh.apiVersion}`);
    return;
  }
  const name = nameOf(kind, resource);
  if (name === undefined || name === "") {
    problems.push(`${source}: ${KINDS[kind].nameField}: every resource needs its name`);
    return;
  }
  documents.push({ kind, name, resource, source });
}

function collectMeshDocument(
  value: Record<string, unknown>,
  source: string,
  documents: ResourceDocument[],
  problems: string[],
): void {
  const { apiVersion, kind: kindField } = value;
  const kind =
    typeof apiVersion === "string" && typeof kindField === "string"
      ? meshKindOfDocument(apiVersion, kindField)?.plural
      : undefined;
  if (kind === undefined) {
    problems.push(
      `${source}: kind: no mesh kind is ${JSON.stringify(kindField)} of apiVersion ${JSON.stringify(apiVersion)}; expected ${listOfNames(ALL_MESH_KINDS.map((k) => `${k.kind} (${k.apiVersion})`))}`,
    );
    return;
  }
  const name = nameOf(kind, value);
  if (name === undefined || name === "") {
    problems.push(`${source}: metadata.name: every resource needs its name`);
    return;
  }
  documents.push({ kind, name, resource: value, source });
}

/** The body items of POST /v1/apply, in document order. */
export function applyItems(documents: readonly ResourceDocument[]): ApplyItem[] {
  return documents.map(({ kind, resource }) => ({ kind, resource }));
}

/**
 * Rewrites the API's paths into the documents (`resources[2].resource.virtual_hosts[0]`) as
 * where they were written (`routes.yaml#3 virtual_hosts[0]`).
 */
export function sourcePaths(documents: readonly ResourceDocument[]): (text: string) => string {
  return (text) =>
    text.replace(/resources\[(\d+)\](?:\.resource)?(\.)?/g, (whole, index: string, dot: string | undefined) => {
      const document = documents[Number(index)];
      if (document === undefined) return whole;
      return `${document.source}${dot === undefined ? "" : " "}`;
    });
}

function collectFiles(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `-f, --filename`, repeatable and required, as apply and diff take it. */
export function filenameOption(): Option {
  return new Option(
    "-f, --filename <file|dir|->",
    "a file, a folder (*.yaml, *.yml, *.json) or - for stdin; repeatable",
  )
    .argParser(collectFiles)
    .makeOptionMandatory();
}

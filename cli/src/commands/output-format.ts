// -o yaml|json|table, and printing resources in the document form `weft apply` reads back:
// `kind: Cluster` followed by the resource's canonical fields.
import type { Option } from "commander";
import { stringify } from "yaml";
import { isMeshKindName } from "../../../control-plane/src/mesh/index.js";
import { KINDS } from "../../../proto/index.js";
import type { ResourceView } from "../client/index.js";
import { envOption } from "../env-option.js";

export type OutputFormat = "table" | "yaml" | "json";

export function outputOption(formats: readonly OutputFormat[], fallback: OutputFormat): Option {
  return envOption("-o, --output <format>", "output format").choices(formats).default(fallback);
}

/** One resource as a document `weft apply -f` takes; a mesh document already is one. */
export function documentOf(view: Pick<ResourceView, "kind" | "resource">): Record<string, unknown> {
  if (isMeshKindName(view.kind)) return view.resource;
  return { kind: KINDS[view.kind].messageName, ...view.resource };
}

/** YAML text: one value, or several as a stream of documents separated by `---`. */
export function yamlText(values: readonly unknown[]): string {
  return values.map((value) => stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 })).join("---\n");
}

export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Documents printed in `format`: JSON gives one object for one document and a list for several. */
export function documentsText(documents: readonly unknown[], format: "yaml" | "json", single: boolean): string {
  if (format === "json") return jsonText(single ? documents[0] : documents);
  return yamlText(documents);
}

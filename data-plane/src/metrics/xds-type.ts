// The `type` label of the xDS metrics: a short name for a type URL, as an operator would say it.
import { ALL_KINDS, kindOfTypeUrl } from "../../../proto/index.js";

/** The types the proxy subscribes to, whose series exist (at 0) from the start. */
export const XDS_TYPES: readonly string[] = ALL_KINDS.map((kind) => kind.singular);

/** "listener", "route", "cluster" or "endpoint" (a kind's singular); any other type by its message name, lower-cased. */
export function xdsTypeName(typeUrl: string): string {
  const known = kindOfTypeUrl(typeUrl)?.singular;
  if (known !== undefined) return known;
  const message = typeUrl.slice(typeUrl.lastIndexOf(".") + 1);
  return message === "" ? typeUrl : message.toLowerCase();
}

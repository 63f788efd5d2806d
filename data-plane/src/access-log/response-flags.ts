// Response flags as Envoy's access logs print them: the short names joined by ",", "-" for none.
import type { ResponseFlag } from "../observer/request-observer.js";

export function formatResponseFlags(flags: readonly ResponseFlag[]): string {
  return flags.length === 0 ? "-" : flags.join(",");
}

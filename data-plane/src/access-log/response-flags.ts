// Response flags as Envoy's access logs print them: the short names joined by ",", "-" for none.
import type { ResponseFlag } from "../proxy/observer.js";

export function formatResponseFlags(flags: readonly ResponseFlag[]): string {
  return flags.length === 0 ? "-" : flags.join(",");
}

// RedirectAction: the Location a redirecting route answers with, built from the request.
// - scheme: "https" with https_redirect, scheme_redirect (lower-cased) if set, else the request's;
// - authority: host_redirect (with its own port, if written with one) or the request's authority;
//   port_redirect replaces the port; when the scheme changes and no port_redirect is set, a port
//   80 or 443 is dropped, as it belonged to the old scheme (Envoy's port swap);
// - path: path_redirect (its own query, if it has one, replaces the request's and survives
//   strip_query), or prefix_rewrite / regex_rewrite applied to the request's path, or the path as
//   it came; strip_query drops the request's query.
import {
  type RedirectAction,
  RedirectAction_RedirectResponseCode,
} from "../../../proto/gen/envoy/config/route/v3/route_components.js";
import { stripPort } from "./domain-match.js";
import { queryOf, type RequestView } from "./request.js";
import { compilePathRewrite, type PathRewrite } from "./rewrite.js";

export interface CompiledRedirect {
  readonly status: number;
  location(view: RequestView): string;
}

const STATUS: Readonly<Record<number, number>> = {
  [RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY]: 301,
  [RedirectAction_RedirectResponseCode.FOUND]: 302,
  [RedirectAction_RedirectResponseCode.SEE_OTHER]: 303,
  [RedirectAction_RedirectResponseCode.TEMPORARY_REDIRECT]: 307,
  [RedirectAction_RedirectResponseCode.PERMANENT_REDIRECT]: 308,
};

export function compileRedirect(action: RedirectAction, matched: string | undefined): CompiledRedirect {
  const scheme = action.httpsRedirect === true ? "https" : action.schemeRedirect?.toLowerCase();
  const host = action.hostRedirect === "" ? undefined : action.hostRedirect;
  const port = action.portRedirect === 0 ? undefined : `:${action.portRedirect}`;
  const rewrite = compilePathRewrite(action.prefixRewrite, action.regexRewrite, matched);
  const pathRedirect = action.pathRedirect;
  const stripQuery = action.stripQuery;
  return {
    status: STATUS[action.responseCode] ?? 301,
    location(view: RequestView): string {
      const request = view.request;
      let authority = host ?? request.authority;
      if (port !== undefined) {
        authority = stripPort(authority) + port;
      } else if (scheme !== undefined && (authority.endsWith(":80") || authority.endsWith(":443"))) {
        const bare = stripPort(authority);
        if (bare !== authority) authority = bare;
      }
      return `${scheme ?? request.scheme ?? "http"}://${authority}${redirectPath(view, pathRedirect, rewrite, stripQuery)}`;
    },
  };
}

function redirectPath(
  view: RequestView,
  pathRedirect: string | undefined,
  rewrite: PathRewrite | undefined,
  stripQuery: boolean,
): string {
  const query = stripQuery ? "" : queryOf(view.request.path);
  if (pathRedirect !== undefined) return pathRedirect.includes("?") ? pathRedirect : pathRedirect + query;
  if (rewrite === undefined) return view.pathOnly + query;
  return rewrite(view.pathOnly) + query;
}

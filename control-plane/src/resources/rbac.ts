// The RBAC HTTP filter (envoy.filters.http.rbac) in a connection manager's http_filters: the
// checks Envoy applies to its policies, narrowed to the permissions and principals Weft's proxy
// matches (docs/security.md, "Authorization").
import type { Permission, Principal } from "../../../proto/gen/envoy/config/rbac/v3/rbac.js";
import type { RBAC } from "../../../proto/gen/envoy/extensions/filters/http/rbac/v3/rbac.js";
import type { Any } from "../../../proto/gen/google/protobuf/any.js";
import { typeNameOf } from "../../../proto/index.js";
import { checkCidr, checkRange } from "./core-checks.js";

import { checkHeaderMatcher, checkStringMatcher } from "./matcher-checks.js";
import { field, item, type Problems, unpackChecked } from "./problems.js";
import { ValidationCode } from "./validation-codes.js";

const RBAC_FILTER = "envoy.extensions.filters.http.rbac.v3.RBAC";

export function holdsRbac(any: Any): boolean {
  return typeNameOf(any.typeUrl) === RBAC_FILTER;
}

export function checkRbacAny(problems: Problems, path: string, any: Any): void {
  const filter = unpackChecked<RBAC>(problems, path, any);
  const rules = filter?.rules;
  if (rules === undefined) return;
  for (const [name, policy] of Object.entries(rules.policies)) {
    const at = field(path, `rules.policies[${JSON.stringify(name)}]`);
    if (policy.permissions.length === 0) {
      problems.add(field(at, "permissions"), ValidationCode.empty, "at least one permission is required");
    }
    if (policy.principals.length === 0) {
      problems.add(field(at, "principals"), ValidationCode.empty, "at least one principal is required");
    }
    policy.permissions.forEach((p, i) => {
      checkPermission(problems, item(field(at, "permissions"), i), p);
    });
    policy.principals.forEach((p, i) => {
      checkPrincipal(problems, item(field(at, "principals"), i), p);
    });
  }
}

function checkPermission(problems: Problems, path: string, rule: Permission): void {
  if (rule.andRules !== undefined || rule.orRules !== undefined) {
    const set = field(path, rule.andRules !== undefined ? "and_rules.rules" : "or_rules.rules");
    const rules = (rule.andRules ?? rule.orRules)?.rules ?? [];
    if (rules.length === 0) problems.add(set, ValidationCode.empty, "at least one rule is required");
    rules.forEach((r, i) => {
      checkPermission(problems, item(set, i), r);
    });
  } else if (rule.notRule !== undefined) {
    checkPermission(problems, field(path, "not_rule"), rule.notRule);
  } else if (rule.header !== undefined) {
    checkHeaderMatcher(problems, field(path, "header"), rule.header);
  } else if (rule.urlPath !== undefined) {
    if (rule.urlPath.path === undefined)
      problems.add(field(path, "url_path.path"), ValidationCode.required, "a path matcher is required");
    else checkStringMatcher(problems, field(path, "url_path.path"), rule.urlPath.path);
  } else if (rule.destinationPort !== undefined) {
    checkRange(problems, field(path, "destination_port"), rule.destinationPort, 0, 65535);
  } else if (rule.any !== true) {
    problems.add(
      path,
      ValidationCode.required,
      "a permission needs a rule (any: true, header, url_path, destination_port, and_rules, or_rules, not_rule)",
    );
  }
}

function checkPrincipal(problems: Problems, path: string, id: Principal): void {
  if (id.andIds !== undefined || id.orIds !== undefined) {
    const set = field(path, id.andIds !== undefined ? "and_ids.ids" : "or_ids.ids");
    const ids = (id.andIds ?? id.orIds)?.ids ?? [];
    if (ids.length === 0) problems.add(set, ValidationCode.empty, "at least one identifier is required");
    ids.forEach((p, i) => {
      checkPrincipal(problems, item(set, i), p);
    });
  } else if (id.notId !== undefined) {
    checkPrincipal(problems, field(path, "not_id"), id.notId);
  } else if (id.authenticated !== undefined) {
    const name = id.authenticated.principalName;
    if (name !== undefined) checkStringMatcher(problems, field(path, "authenticated.principal_name"), name);
  } else if (id.header !== undefined) {
    checkHeaderMatcher(problems, field(path, "header"), id.header);
  } else if (id.directRemoteIp !== undefined || id.remoteIp !== undefined) {
    const range = id.directRemoteIp ?? id.remoteIp;
    if (range !== undefined)
      checkCidr(problems, field(path, id.directRemoteIp !== undefined ? "direct_remote_ip" : "remote_ip"), range);
  } else if (id.any !== true) {
    problems.add(
      path,
      ValidationCode.required,
      "a principal needs an identifier (any: true, authenticated, header, direct_remote_ip, remote_ip, and_ids, or_ids, not_id)",
    );
  }
}

// Host names a DNS cluster may resolve.
//
// The rule is RFC 1123's: dot-separated labels of 1 to 63 characters, letters, digits and `-`, no
// label starting or ending with `-`, at most 253 characters in all (not counting one trailing `.`,
// the root, which a fully qualified name may end with). One widening: `_` is allowed wherever a
// letter is, because DNS itself carries such names (RFC 2181 section 11) and resolvers answer for
// them (service names in container networks such as `my_service`); both planes accepted `_` before
// this rule was shared, and refusing it now would refuse stored configuration. Envoy itself checks
// no syntax here: a bad name fails at resolution. Checking it up front refuses a typo when it is
// written instead of when a proxy first resolves it.
const LABEL = "[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?";
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const HOSTNAME_MAX = 253;

/** Whether `text` is a host name a resolver can be asked for (IP literals are checked apart). */
export function isHostname(text: string): boolean {
  const name = text.endsWith(".") ? text.slice(0, -1) : text;
  return name.length <= HOSTNAME_MAX && HOSTNAME.test(name);
}

// What HTTPRoute and GRPCRoute share (Gateway API v1, mesh mode): parentRefs naming a Service,
// backendRefs to Services with weights, header matches and header modifiers, and their checks.
import { Type } from "typebox";
import { field, item } from "../../../../proto/index.js";
import { ValidationCode } from "../../errors.js";
import { type Problems, regexProblem } from "../../resources/index.js";
import { DEFAULT_NAMESPACE } from "./define-mesh-kind.js";
import { checkUnique, PortNumber } from "./field-checks.js";
import type { MeshRef } from "./kind.js";

/** The core API group ("") that Service belongs to. */
const CoreGroup = Type.Optional(Type.Enum([""]));
const Namespace = Type.Optional(Type.String());

/** A route attaches to a Service (Gateway API's mesh mode); Gateways are not part of Weft. */
export const ParentRef = Type.Object(
  {
    group: CoreGroup,
    kind: Type.Literal("Service"),
    namespace: Namespace,
    name: Type.String(),
    port: Type.Optional(PortNumber),
  },
  { additionalProperties: false },
);

/** A Service to send to (kind defaults to Service), with its port and share of the rule's traffic. */
export const BackendRef = Type.Object(
  {
    group: CoreGroup,
    kind: Type.Optional(Type.Enum(["Service"])),
    namespace: Namespace,
    name: Type.String(),
    port: PortNumber,
    /** Default 1; a rule's weights are relative to their sum. */
    weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

/** The Service a RequestMirror filter copies requests to. */
export const MirrorBackendRef = Type.Object(
  {
    group: CoreGroup,
    kind: Type.Optional(Type.Enum(["Service"])),
    namespace: Namespace,
    name: Type.String(),
    port: PortNumber,
  },
  { additionalProperties: false },
);

/** The API group of Weft's own kinds that a route's ExtensionRef filter may name. */
export const FAULT_INJECTION_GROUP = "weft.dev";

/**
 * An ExtensionRef filter's target (Gateway API's LocalObjectReference): a FaultInjection, the one
 * extension Weft's routes take.
 */
export const ExtensionRef = Type.Object(
  { group: Type.Literal(FAULT_INJECTION_GROUP), kind: Type.Literal("FaultInjection"), name: Type.String() },
  { additionalProperties: false },
);

export const HeaderMatch = Type.Object(
  { type: Type.Optional(Type.Enum(["Exact", "RegularExpression"])), name: Type.String(), value: Type.String() },
  { additionalProperties: false },
);

const HeaderValue = Type.Object({ name: Type.String(), value: Type.String() }, { additionalProperties: false });

export const HeaderModifier = Type.Object(
  {
    set: Type.Optional(Type.Array(HeaderValue, { maxItems: 16 })),
    add: Type.Optional(Type.Array(HeaderValue, { maxItems: 16 })),
    remove: Type.Optional(Type.Array(Type.String(), { maxItems: 16 })),
  },
  { additionalProperties: false },
);

type ParentRefValue = {
  readonly namespace?: string | undefined;
  readonly name: string;
  readonly port?: number | undefined;
};
type BackendRefValue = ParentRefValue & { readonly weight?: number | undefined };
type HeaderMatchValue = { readonly type?: string | undefined; readonly name: string; readonly value: string };
type HeaderModifierValue = {
  readonly set?: readonly { name: string; value: string }[] | undefined;
  readonly add?: readonly { name: string; value: string }[] | undefined;
  readonly remove?: readonly string[] | undefined;
};

/** An RFC 9110 token: what a header name may hold. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A header value may not carry CR, LF or NUL. */
const BAD_VALUE = /[\r\n\0]/;

/** A referenced Service lives in the one namespace and is named by a DNS label. */
export function checkRefNamespace(
  problems: Problems,
  path: string,
  ref: { readonly namespace?: string | undefined },
): void {
  if (ref.namespace !== undefined && ref.namespace !== DEFAULT_NAMESPACE) {
    problems.add(
      field(path, "namespace"),
      ValidationCode.unsupported,
      `Weft has one namespace: leave it out or write "${DEFAULT_NAMESPACE}"`,
    );
  }
}

export function checkParentRefs(problems: Problems, parentRefs: readonly ParentRefValue[]): void {
  parentRefs.forEach((ref, i) => {
    checkRefNamespace(problems, item("spec.parentRefs", i), ref);
  });
  checkUnique(
    problems,
    parentRefs.map((ref) => `${ref.name}:${ref.port ?? ""}`),
    (i) => item("spec.parentRefs", i),
    "parentRef (name:port)",
  );
}

/** Weights: default 1; a rule with backends must send somewhere (weights all 0 is refused). */
export function checkBackendRefs(
  problems: Problems,
  path: string,
  backendRefs: readonly BackendRefValue[] | undefined,
): void {
  if (backendRefs === undefined || backendRefs.length === 0) return;
  backendRefs.forEach((ref, i) => {
    checkRefNamespace(problems, item(path, i), ref);
  });
  const total = backendRefs.reduce((sum, ref) => sum + (ref.weight ?? 1), 0);
  if (total === 0)
    problems.add(path, ValidationCode.outOfRange, "the backends' weights sum to 0: the rule would send nowhere");
}

export function checkHeaderMatches(
  problems: Problems,
  path: string,
  headers: readonly HeaderMatchValue[] | undefined,
): void {
  if (headers === undefined) return;
  headers.forEach((header, i) => {
    const at = item(path, i);
    if (!TOKEN.test(header.name))
      problems.add(field(at, "name"), ValidationCode.badHeader, "must be a header name (an RFC 9110 token)");
    checkMatchValue(problems, field(at, "value"), header.type, header.value);
  });
  checkUnique(
    problems,
    headers.map((h) => h.name.toLowerCase()),
    (i) => field(item(path, i), "name"),
    "header",
  );
}

/** An Exact value must be sendable; a RegularExpression must compile under RE2 and JavaScript alike. */
export function checkMatchValue(problems: Problems, path: string, type: string | undefined, value: string): void {
  if (type === "RegularExpression") {
    const problem = regexProblem(value);
    if (problem !== undefined) problems.add(path, ValidationCode.badRegex, problem);
  } else if (BAD_VALUE.test(value)) {
    problems.add(path, ValidationCode.badHeader, "may not hold CR, LF or NUL");
  }
}

export function checkHeaderModifier(problems: Problems, path: string, modifier: HeaderModifierValue | undefined): void {
  if (modifier === undefined) return;
  const names: string[] = [];
  const paths: string[] = [];
  for (const op of ["set", "add"] as const) {
    modifier[op]?.forEach((header, i) => {
      const at = item(field(path, op), i);
      if (!TOKEN.test(header.name))
        problems.add(field(at, "name"), ValidationCode.badHeader, "must be a header name (an RFC 9110 token)");
      if (BAD_VALUE.test(header.value))
        problems.add(field(at, "value"), ValidationCode.badHeader, "may not hold CR, LF or NUL");
      names.push(header.name.toLowerCase());
      paths.push(field(at, "name"));
    });
  }
  modifier.remove?.forEach((name, i) => {
    const at = item(field(path, "remove"), i);
    if (!TOKEN.test(name)) problems.add(at, ValidationCode.badHeader, "must be a header name (an RFC 9110 token)");
    names.push(name.toLowerCase());
    paths.push(at);
  });
  // Gateway API: a header name appears once across set, add and remove.
  checkUnique(problems, names, (i) => paths[i] ?? path, "header");
}

/** The Services a route's parentRefs and each rule's backendRefs (and mirrors) name, and the FaultInjections its ExtensionRefs name. */
export function routeRefs(spec: {
  readonly parentRefs: readonly { readonly name: string }[];
  readonly rules?:
    | readonly {
        readonly backendRefs?: readonly { readonly name: string }[] | undefined;
        readonly filters?:
          | readonly {
              readonly requestMirror?: { readonly backendRef: { readonly name: string } } | undefined;
              readonly extensionRef?: { readonly name: string } | undefined;
            }[]
          | undefined;
      }[]
    | undefined;
}): MeshRef[] {
  const refs: MeshRef[] = [];
  spec.parentRefs.forEach((ref, i) => {
    refs.push({ kind: "services", name: ref.name, path: field(item("spec.parentRefs", i), "name") });
  });
  spec.rules?.forEach((rule, i) => {
    const at = item("spec.rules", i);
    rule.backendRefs?.forEach((ref, j) => {
      refs.push({ kind: "services", name: ref.name, path: field(item(field(at, "backendRefs"), j), "name") });
    });
    rule.filters?.forEach((filter, j) => {
      if (filter.extensionRef !== undefined) {
        refs.push({
          kind: "faultinjections",
          name: filter.extensionRef.name,
          path: field(item(field(at, "filters"), j), "extensionRef.name"),
        });
      }
      if (filter.requestMirror === undefined) return;
      refs.push({
        kind: "services",
        name: filter.requestMirror.backendRef.name,
        path: field(item(field(at, "filters"), j), "requestMirror.backendRef.name"),
      });
    });
  });
  return refs;
}

/** Each filter carries the one field its type names, and no other. */
export function checkFilterFields(
  problems: Problems,
  path: string,
  filter: Readonly<Record<string, unknown>> & { readonly type: string },
  fieldOf: Readonly<Record<string, string>>,
): void {
  const wanted = fieldOf[filter.type];
  for (const name of Object.values(fieldOf)) {
    if (name === wanted) {
      if (filter[name] === undefined)
        problems.add(field(path, name), ValidationCode.required, `a ${filter.type} filter needs ${name}`);
    } else if (filter[name] !== undefined) {
      problems.add(field(path, name), ValidationCode.conflict, `does not belong in a ${filter.type} filter`);
    }
  }
}

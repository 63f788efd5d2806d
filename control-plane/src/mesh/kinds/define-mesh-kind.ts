// Filling in a MeshKind from what only its file can say (names, the spec's schema, its semantic
// checks and references): the document schema around the spec, the metadata rules every mesh
// kind shares, nameOf, and the compiled structural check are derived here.
import { type Static, type TSchema, Type } from "typebox";
import { Compile } from "typebox/compile";
import { type ErrorDetail, ValidationCode } from "../../errors.js";
import { Problems } from "../../resources/index.js";
import type { MeshDocument, MeshKind, MeshKindName, MeshRef } from "./kind.js";
import { type SchemaError, schemaDetails } from "./schema-errors.js";

/** A DNS-1123 label, as Kubernetes names most objects: the name is also a host name in the mesh. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_MAX = 63;

/** The one namespace Weft has; a document may say so or leave it out. */
export const DEFAULT_NAMESPACE = "default";

/** Labels and annotations: string to string, as in Kubernetes. */
export const StringMap = Type.Record(Type.String(), Type.String());

/** Read: name and namespace; labels and annotations checked as maps; the rest kept as given, unread. */
const Metadata = Type.Object(
  {
    name: Type.String(),
    namespace: Type.Optional(Type.String()),
    labels: Type.Optional(StringMap),
    annotations: Type.Optional(StringMap),
  },
  { additionalProperties: true },
);

export interface MeshKindSpec<N extends MeshKindName, S extends TSchema> {
  readonly names: {
    readonly plural: N;
    readonly apiVersion: string;
    readonly kind: string;
    readonly singular: string;
    readonly aliases: readonly string[];
  };
  /** The honoured subset of `spec`: objects with additionalProperties false all the way down. */
  readonly spec: S;
  /** Semantic checks of the spec; paths start at the document (`spec.ports[0].port`). */
  validate(spec: Static<S>, problems: Problems): void;
  /** The Services the spec names; paths start at the document. */
  references(spec: Static<S>): MeshRef[];
}

export function defineMeshKind<N extends MeshKindName, S extends TSchema>(
  definition: MeshKindSpec<N, S>,
): MeshKind<N, Static<S>> {
  const { names } = definition;
  const schema = Type.Object(
    {
      apiVersion: Type.Literal(names.apiVersion),
      kind: Type.Literal(names.kind),
      metadata: Metadata,
      spec: definition.spec,
    },
    { additionalProperties: false },
  );
  // Compiled on first use: the CLI reads the names of every kind and validates none.
  let compiled: { Check(value: unknown): boolean; Errors(value: unknown): Iterable<SchemaError> } | undefined;
  return {
    ...names,
    schema,
    check(document) {
      compiled ??= Compile(schema as TSchema);
      const validator = compiled;
      return validator.Check(document) ? [] : schemaDetails(schema, validator.Errors(document));
    },
    validate(document: MeshDocument<Static<S>>): ErrorDetail[] {
      const problems = new Problems();
      checkMetadata(document, problems);
      definition.validate(document.spec, problems);
      return problems.details;
    },
    references: (document) => definition.references(document.spec),
    nameOf: (document) => document.metadata.name,
  };
}

function checkMetadata(document: MeshDocument, problems: Problems): void {
  const { name, namespace } = document.metadata;
  if (name === "") problems.add("metadata.name", ValidationCode.required, "every document needs a name");
  else if (name.length > DNS_LABEL_MAX || !DNS_LABEL.test(name)) {
    problems.add(
      "metadata.name",
      ValidationCode.badValue,
      `must be a DNS-1123 label: at most ${DNS_LABEL_MAX} lower-case letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
  if (namespace !== undefined && namespace !== DEFAULT_NAMESPACE) {
    problems.add(
      "metadata.namespace",
      ValidationCode.unsupported,
      `Weft has one namespace: leave it out or write "${DEFAULT_NAMESPACE}"`,
    );
  }
}

// What the API's content-type parsers leave in `request.body`: the documents of a JSON or YAML body,
// already checked for syntax, duplicate keys, nesting and (YAML) anchors, aliases and tags.

export type BodyFormat = "json" | "yaml";

export class ParsedBody {
  readonly format: BodyFormat;
  /** A JSON body is one document; a YAML body holds one per `---` section (`null` for an empty one). */
  readonly documents: readonly unknown[];

  constructor(format: BodyFormat, documents: readonly unknown[]) {
    this.format = format;
    this.documents = documents;
  }
}

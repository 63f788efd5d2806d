// /v1/tokens: join tokens, with which a sidecar proves its service to get its first workload
// certificate. POST creates one (the token is in that answer only: the control plane keeps its
// digest), GET lists them without their secrets, DELETE /v1/tokens/ID revokes one.
import { type Static, type TSchema, Type } from "typebox";
import { Compile } from "typebox/compile";
import { ErrorCode, WeftError } from "../../errors.js";
import { type SchemaError, schemaDetails } from "../../mesh/index.js";
import type { ApiApp, ApiContext } from "../api-context.js";
import { singleDocument } from "../resource-input.js";
import { ERROR_RESPONSES } from "../schemas.js";

const TAGS = ["security"];

export const TokenBody = Type.Object(
  {
    service: Type.String({ description: "The Service whose identity the token proves (a DNS-1123 label)." }),
    ttlSeconds: Type.Optional(
      Type.Integer({ minimum: 1, description: "Seconds until the token expires; absent: it never expires." }),
    ),
  },
  { additionalProperties: false },
);

const TokenView = Type.Object({
  id: Type.String({ description: "12 hex digits; the token's second part." }),
  service: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  expiresAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
});

const CreatedToken = Type.Object({
  ...TokenView.properties,
  token: Type.String({ description: "weft.ID.SECRET: shown in this answer only." }),
});

const IdParams = Type.Object({ id: Type.String({ description: "The token's id (12 hex digits)." }) });

let compiled: { Check(value: unknown): boolean; Errors(value: unknown): Iterable<SchemaError> } | undefined;

function parseTokenBody(body: unknown): Static<typeof TokenBody> {
  compiled ??= Compile(TokenBody as TSchema);
  if (!compiled.Check(body)) {
    throw new WeftError(ErrorCode.badRequest, "invalid token request", {
      details: schemaDetails(TokenBody, compiled.Errors(body)),
    });
  }
  return body as Static<typeof TokenBody>;
}

function tokensOf(context: ApiContext) {
  const tokens = context.joinTokens;
  if (tokens === undefined) throw new WeftError(ErrorCode.notFound, "this control plane keeps no join tokens");
  return tokens;
}

export function registerTokenRoutes(app: ApiApp, context: ApiContext): void {
  app.post(
    "/v1/tokens",
    {
      schema: {
        summary: "Create a join token for a service",
        description:
          "The answer holds the token (weft.ID.SECRET) once: the control plane keeps only its SHA-256 digest. " +
          "A sidecar presenting it proves SERVICE and nothing else.",
        tags: TAGS,
        consumes: ["application/json", "application/yaml"],
        body: TokenBody,
        response: { 201: CreatedToken, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const body = parseTokenBody(singleDocument(request.body as unknown));
      const created = await tokensOf(context).create({
        service: body.service,
        ttlMs: body.ttlSeconds === undefined ? undefined : body.ttlSeconds * 1000,
      });
      request.log.info(
        { tokenId: created.id, service: created.service, expiresAt: created.expiresAt },
        "join token created",
      );
      return reply.code(201).send(created);
    },
  );

  app.get(
    "/v1/tokens",
    {
      schema: {
        summary: "List join tokens (never their secrets), revoked and expired ones included",
        tags: TAGS,
        response: { 200: Type.Object({ tokens: Type.Array(TokenView) }), ...ERROR_RESPONSES },
      },
    },
    async () => ({ tokens: await tokensOf(context).list() }),
  );

  app.delete(
    "/v1/tokens/:id",
    {
      schema: {
        summary: "Revoke a join token",
        description:
          "The token is refused from now on; its record stays (listed with revokedAt). Certificates already " +
          "issued with it stay valid until they expire. 404 WEFT_NOT_FOUND for an id no token has.",
        tags: TAGS,
        params: IdParams,
        response: { 200: TokenView, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const revoked = await tokensOf(context).revoke(request.params.id);
      request.log.info({ tokenId: revoked.id, service: revoked.service }, "join token revoked");
      return revoked;
    },
  );
}

// /v1/tokens: join tokens, with which a sidecar proves its service to get its first workload
// certificate, and API tokens with a role (read, write, admin). POST creates one (the token is in
// that answer only: the control plane keeps its digest), GET lists them without their secrets,
// DELETE /v1/tokens/ID revokes one. Every route here needs the admin role.
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
    service: Type.Optional(
      Type.String({ description: "A join token: the Service whose identity it proves (a DNS-1123 label)." }),
    ),
    role: Type.Optional(
      Type.Union([Type.Literal("read"), Type.Literal("write"), Type.Literal("admin")], {
        description:
          "An API token: read (GET), write (also apply, delete, rollback, registrations), admin (also tokens).",
      }),
    ),
    ttlSeconds: Type.Optional(
      Type.Integer({ minimum: 1, description: "Seconds until the token expires; absent: it never expires." }),
    ),
  },
  { additionalProperties: false },
);

const TokenView = Type.Object({
  id: Type.String({ description: "12 hex digits; the token's second part." }),
  kind: Type.Union([Type.Literal("join"), Type.Literal("api")]),
  service: Type.Optional(Type.String({ description: "A join token's service." })),
  role: Type.Optional(Type.String({ description: "An API token's role." })),
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
  const given = body as Static<typeof TokenBody>;
  if ((given.service === undefined) === (given.role === undefined)) {
    const message = "give exactly one: service (a join token) or role (an API token)";
    throw new WeftError(ErrorCode.badRequest, message, {
      details: [
        { path: "service", message },
        { path: "role", message },
      ],
    });
  }
  return given;
}

/** `tokens`, or WEFT_NOT_FOUND when this control plane keeps none of that kind. */
function kept<T>(tokens: T | undefined, what: string): T {
  if (tokens === undefined) throw new WeftError(ErrorCode.notFound, `this control plane keeps no ${what}`);
  return tokens;
}

/** A WEFT_NOT_FOUND refusal as undefined (look among the other kind); anything else rethrown. */
function notFoundAsUndefined(error: unknown): undefined {
  if (error instanceof WeftError && error.code === ErrorCode.notFound) return undefined;
  throw error;
}

export function registerTokenRoutes(app: ApiApp, context: ApiContext): void {
  app.post(
    "/v1/tokens",
    {
      schema: {
        summary: "Create a join token for a service, or an API token with a role",
        description:
          "Body {service} for a join token (a sidecar presenting it proves SERVICE and nothing else) or {role} " +
          "for an API token. The answer holds the token (weft.ID.SECRET) once: the control plane keeps only its " +
          "SHA-256 digest.",
        tags: TAGS,
        consumes: ["application/json", "application/yaml"],
        body: TokenBody,
        response: { 201: CreatedToken, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const body = parseTokenBody(singleDocument(request.body as unknown));
      const ttlMs = body.ttlSeconds === undefined ? undefined : body.ttlSeconds * 1000;
      if (body.service !== undefined) {
        const created = await kept(context.joinTokens, "join tokens").create({ service: body.service, ttlMs });
        request.log.info(
          { tokenId: created.id, service: created.service, expiresAt: created.expiresAt },
          "join token created",
        );
        return reply.code(201).send({ ...created, kind: "join" });
      }
      const created = await kept(context.apiTokens, "API tokens").create({ role: body.role ?? "", ttlMs });
      request.log.info({ tokenId: created.id, role: created.role, expiresAt: created.expiresAt }, "API token created");
      return reply.code(201).send({ ...created, kind: "api" });
    },
  );

  app.get(
    "/v1/tokens",
    {
      schema: {
        summary: "List join and API tokens (never their secrets), revoked and expired ones included",
        tags: TAGS,
        response: { 200: Type.Object({ tokens: Type.Array(TokenView) }), ...ERROR_RESPONSES },
      },
    },
    async () => {
      const join = context.joinTokens === undefined ? [] : await context.joinTokens.list();
      const api = context.apiTokens === undefined ? [] : await context.apiTokens.list();
      return {
        tokens: [
          ...join.map((t) => ({ ...t, kind: "join" as const })),
          ...api.map((t) => ({ ...t, kind: "api" as const })),
        ],
      };
    },
  );

  app.delete(
    "/v1/tokens/:id",
    {
      schema: {
        summary: "Revoke a join or API token",
        description:
          "The token is refused from now on; its record stays (listed with revokedAt). Certificates already " +
          "issued with it stay valid until they expire. 404 WEFT_NOT_FOUND for an id no token has.",
        tags: TAGS,
        params: IdParams,
        response: { 200: TokenView, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { id } = request.params;
      const join = await context.joinTokens?.revoke(id).catch(notFoundAsUndefined);
      if (join !== undefined) {
        request.log.info({ tokenId: join.id, service: join.service }, "join token revoked");
        return { ...join, kind: "join" as const };
      }
      const api = await kept(context.apiTokens, "API tokens").revoke(id);
      request.log.info({ tokenId: api.id, role: api.role }, "API token revoked");
      return { ...api, kind: "api" as const };
    },
  );
}

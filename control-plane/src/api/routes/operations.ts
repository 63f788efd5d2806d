// The routes for operating the control plane rather than its config: health, metrics, the
// OpenAPI document (the viewer at /docs is @fastify/swagger-ui, registered by buildApi).
import { Type } from "typebox";
import type { ApiApp, ApiContext } from "../api-context.js";
import { ERROR_RESPONSES, HealthResponse } from "../schemas.js";

const TAGS = ["operations"];

export function registerOperationRoutes(app: ApiApp, context: ApiContext): void {
  app.get(
    "/healthz",
    {
      schema: {
        summary: "200 once the control plane accepts work (xDS and API), 503 before; needs no token",
        tags: TAGS,
        security: [],
        response: { 200: HealthResponse, 503: HealthResponse },
      },
    },
    async (_request, reply) => {
      if (context.ready()) return { status: "ok" as const };
      return reply.code(503).send({ status: "unavailable" as const });
    },
  );

  app.get(
    "/metrics",
    {
      schema: {
        summary: "Prometheus metrics, text exposition format",
        tags: TAGS,
        produces: ["text/plain"],
        response: { 200: Type.String(), ...ERROR_RESPONSES },
      },
    },
    async (_request, reply) => {
      const text = await context.metrics.text();
      return reply.type(context.metrics.contentType).send(text);
    },
  );

  app.get(
    "/openapi.json",
    {
      schema: {
        summary: "This API's OpenAPI 3 description",
        tags: TAGS,
        response: { 200: Type.Unknown(), ...ERROR_RESPONSES },
      },
    },
    async () => app.swagger(),
  );
}

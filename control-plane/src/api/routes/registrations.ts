// /v1/registrations/NODE: a sidecar registers its instance (PUT, again for each health change) and
// deregisters it (DELETE). The registry keeps each as a WorkloadEntry marked as registered; plain
// writes of those are refused (WEFT_REGISTERED_WORKLOAD), these routes are their one way in.
import { Type } from "typebox";
import { ErrorCode, WeftError } from "../../errors.js";
import { checkNodeId, parseRegistration, RegistrationBody } from "../../registry/index.js";
import type { ApiApp, ApiContext } from "../api-context.js";
import { singleDocument } from "../resource-input.js";
import { ERROR_RESPONSES } from "../schemas.js";

const TAGS = ["registrations"];

const NodeParams = Type.Object({
  node: Type.String({ description: "The sidecar's xDS node id (node.id), percent-encoded in the URL." }),
});

const RegistrationResponse = Type.Object({
  nodeId: Type.String(),
  kind: Type.Literal("workloadentries"),
  name: Type.String({ description: "The WorkloadEntry holding the registration (derived from the node id)." }),
  revision: Type.Integer({
    minimum: 0,
    description: "The revision the write created (for a registration that changed nothing: the one holding it).",
  }),
  changed: Type.Boolean({ description: "False when the entry already held exactly this registration." }),
});

const DeregistrationResponse = Type.Object({
  nodeId: Type.String(),
  kind: Type.Literal("workloadentries"),
  name: Type.String(),
  revision: Type.Integer({ minimum: 0, description: "The revision the removal created." }),
});

export function registerRegistrationRoutes(app: ApiApp, context: ApiContext): void {
  const { registry } = context;

  app.put(
    "/v1/registrations/:node",
    {
      schema: {
        summary: "Register a sidecar's instance, or update it (labels, address, ports, health)",
        description:
          "Writes the WorkloadEntry of node NODE (labels plus app=SERVICE, annotated weft.dev/registered-by: " +
          "NODE and weft.dev/health). Registering again with the same body creates no revision. The entry is " +
          "removed once the node has had no xDS stream for the control plane's registration grace period.",
        tags: TAGS,
        consumes: ["application/json", "application/yaml"],
        params: NodeParams,
        body: RegistrationBody,
        response: { 200: RegistrationResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const nodeId = checkNodeId(request.params.node, "node");
      const registration = parseRegistration(nodeId, singleDocument(request.body as unknown));
      const result = await registry.register(registration);
      request.log.info(
        { nodeId, entry: result.name, revision: result.revision, health: registration.health, changed: result.changed },
        "instance registered",
      );
      return {
        nodeId,
        kind: "workloadentries" as const,
        name: result.name,
        revision: result.revision,
        changed: result.changed,
      };
    },
  );

  app.delete(
    "/v1/registrations/:node",
    {
      schema: {
        summary: "Deregister a sidecar's instance",
        description: "Removes the WorkloadEntry of node NODE; 404 WEFT_NOT_FOUND when the node has none.",
        tags: TAGS,
        params: NodeParams,
        response: { 200: DeregistrationResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const nodeId = checkNodeId(request.params.node, "node");
      const removed = await registry.deregister(nodeId);
      if (removed === undefined)
        throw new WeftError(ErrorCode.notFound, `node ${JSON.stringify(nodeId)} is not registered`);
      request.log.info({ nodeId, entry: removed.name, revision: removed.revision }, "instance deregistered");
      return { nodeId, kind: "workloadentries" as const, name: removed.name, revision: removed.revision };
    },
  );
}

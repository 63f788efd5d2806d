// DestinationRule (networking.istio.io/v1): how callers treat one Service's endpoints: load
// balancing (simple or consistent hash), connection pool limits and outlier detection. It names
// the Service of spec.host.
import { type Static, Type } from "typebox";
import { ValidationCode } from "../../errors.js";
import type { Problems } from "../../resources/index.js";
import { defineMeshKind } from "./define-mesh-kind.js";
import { checkIstioDuration } from "./field-checks.js";

const Count = Type.Integer({ minimum: 1, maximum: 2147483647 });

const ConsistentHash = Type.Object(
  {
    httpHeaderName: Type.Optional(Type.String()),
    httpCookie: Type.Optional(
      Type.Object(
        { name: Type.String(), path: Type.Optional(Type.String()), ttl: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    useSourceIp: Type.Optional(Type.Boolean()),
    httpQueryParameterName: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const LoadBalancer = Type.Object(
  {
    simple: Type.Optional(Type.Enum(["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM"])),
    consistentHash: Type.Optional(ConsistentHash),
  },
  { additionalProperties: false },
);

const ConnectionPool = Type.Object(
  {
    tcp: Type.Optional(
      Type.Object(
        { maxConnections: Type.Optional(Count), connectTimeout: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    http: Type.Optional(
      Type.Object(
        {
          http1MaxPendingRequests: Type.Optional(Count),
          http2MaxRequests: Type.Optional(Count),
          maxRetries: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const OutlierDetection = Type.Object(
  {
    consecutive5xxErrors: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647 })),
    consecutiveGatewayErrors: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647 })),
    interval: Type.Optional(Type.String()),
    baseEjectionTime: Type.Optional(Type.String()),
    maxEjectionPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  },
  { additionalProperties: false },
);

const DestinationRuleSpec = Type.Object(
  {
    host: Type.String(),
    trafficPolicy: Type.Optional(
      Type.Object(
        {
          loadBalancer: Type.Optional(LoadBalancer),
          connectionPool: Type.Optional(ConnectionPool),
          outlierDetection: Type.Optional(OutlierDetection),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

type Spec = Static<typeof DestinationRuleSpec>;

export const destinationRuleKind = defineMeshKind({
  names: {
    plural: "destinationrules",
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    singular: "destinationrule",
    aliases: ["dr", "destination-rules", "destination-rule"],
  },
  spec: DestinationRuleSpec,
  validate(spec, problems) {
    if (spec.host === "") problems.add("spec.host", ValidationCode.required, "names the Service the rule is for");
    checkLoadBalancer(problems, spec);
    const policy = spec.trafficPolicy;
    checkIstioDuration(
      problems,
      "spec.trafficPolicy.connectionPool.tcp.connectTimeout",
      policy?.connectionPool?.tcp?.connectTimeout,
      true,
    );
    checkIstioDuration(
      problems,
      "spec.trafficPolicy.outlierDetection.interval",
      policy?.outlierDetection?.interval,
      true,
    );
    checkIstioDuration(
      problems,
      "spec.trafficPolicy.outlierDetection.baseEjectionTime",
      policy?.outlierDetection?.baseEjectionTime,
      true,
    );
  },
  references: (spec) => (spec.host === "" ? [] : [{ kind: "services", name: spec.host, path: "spec.host" }]),
});

function checkLoadBalancer(problems: Problems, spec: Spec): void {
  const balancer = spec.trafficPolicy?.loadBalancer;
  if (balancer === undefined) return;
  const path = "spec.trafficPolicy.loadBalancer";
  if (balancer.simple !== undefined && balancer.consistentHash !== undefined) {
    problems.add(
      `${path}.consistentHash`,
      ValidationCode.conflict,
      "a load balancer is either simple or consistentHash",
    );
  }
  const hash = balancer.consistentHash;
  if (hash === undefined) return;
  const keys = (["httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName"] as const).filter(
    (key) => hash[key] !== undefined && hash[key] !== false,
  );
  if (keys.length === 0) {
    problems.add(
      `${path}.consistentHash`,
      ValidationCode.required,
      "hashes on one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName",
    );
  } else if (keys.length > 1) {
    problems.add(
      `${path}.consistentHash.${keys[1]}`,
      ValidationCode.conflict,
      `hashes on one key; ${keys[0]} is given too`,
    );
  }
  if (hash.httpCookie?.name === "")
    problems.add(`${path}.consistentHash.httpCookie.name`, ValidationCode.required, "names the cookie");
  checkIstioDuration(problems, `${path}.consistentHash.httpCookie.ttl`, hash.httpCookie?.ttl);
}

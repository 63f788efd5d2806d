// Service (v1): a name in the mesh, its ports, and the workloads it selects by label (a
// workload whose labels contain the selector is one of its endpoints). It names nothing.
import { Type } from "typebox";
import { item } from "../../../../proto/index.js";
import { ValidationCode } from "../../errors.js";
import { defineMeshKind, StringMap } from "./define-mesh-kind.js";
import { checkLabels, checkUnique, PortNumber } from "./field-checks.js";

/** `http` when left out; `kubernetes.io/h2c` is the Kubernetes spelling of `http2`. */
export const APP_PROTOCOLS = ["http", "http2", "kubernetes.io/h2c", "grpc", "tcp"] as const;

const ServicePort = Type.Object(
  { name: Type.Optional(Type.String()), port: PortNumber, appProtocol: Type.Optional(Type.Enum(APP_PROTOCOLS)) },
  { additionalProperties: false },
);

const ServiceSpec = Type.Object(
  { selector: Type.Optional(StringMap), ports: Type.Array(ServicePort, { minItems: 1 }) },
  { additionalProperties: false },
);

/** A port name: a DNS-1123 label, as Kubernetes names ports. */
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const serviceKind = defineMeshKind({
  names: { plural: "services", apiVersion: "v1", kind: "Service", singular: "service", aliases: ["svc"] },
  spec: ServiceSpec,
  validate(spec, problems) {
    checkLabels(problems, "spec.selector", spec.selector);
    const at = (i: number) => item("spec.ports", i);
    spec.ports.forEach((port, i) => {
      if (port.name === undefined) {
        // As in Kubernetes: with several ports each needs a name, so routes and callers can tell them apart.
        if (spec.ports.length > 1)
          problems.add(`${at(i)}.name`, ValidationCode.required, "a Service with several ports names each one");
      } else if (port.name.length > 63 || !PORT_NAME.test(port.name)) {
        problems.add(
          `${at(i)}.name`,
          ValidationCode.badValue,
          "must be a DNS-1123 label (lower-case letters, digits, '-')",
        );
      }
    });
    checkUnique(
      problems,
      spec.ports.map((p) => p.name),
      (i) => `${at(i)}.name`,
      "port name",
    );
    checkUnique(
      problems,
      spec.ports.map((p) => p.port),
      (i) => `${at(i)}.port`,
      "port",
    );
  },
  references: () => [],
});

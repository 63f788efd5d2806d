// WorkloadEntry (networking.istio.io/v1): one instance in the mesh, an address with named ports
// and labels; a Service whose selector its labels contain sends to it. Written by hand for
// instances without a sidecar; written by the control plane for each registered sidecar, marked
// with REGISTERED_BY_ANNOTATION (see registered-workloads.ts). It names nothing.
import { isIP } from "node:net";
import { Type } from "typebox";
import { ValidationCode } from "../../errors.js";
import { defineMeshKind, StringMap } from "./define-mesh-kind.js";
import { checkLabels, PortNumber } from "./field-checks.js";

const WorkloadEntrySpec = Type.Object(
  {
    address: Type.String(),
    ports: Type.Optional(Type.Record(Type.String(), PortNumber)),
    labels: Type.Optional(StringMap),
    /** 0 means the default weight, 1. */
    weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
    /** region/zone/subzone, each part optional from the right. */
    locality: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** RFC 1123 host name: dot-separated labels of letters, digits and '-'. */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;

export const workloadEntryKind = defineMeshKind({
  names: {
    plural: "workloadentries",
    apiVersion: "networking.istio.io/v1",
    kind: "WorkloadEntry",
    singular: "workloadentry",
    aliases: ["we", "workload-entries", "workload-entry"],
  },
  spec: WorkloadEntrySpec,
  validate(spec, problems) {
    if (spec.address === "")
      problems.add("spec.address", ValidationCode.required, "an IP address or host name is required");
    else if (isIP(spec.address) === 0 && !HOST_NAME.test(spec.address)) {
      problems.add("spec.address", ValidationCode.badAddress, "must be an IP address or a host name");
    }
    checkLabels(problems, "spec.labels", spec.labels);
    for (const name of Object.keys(spec.ports ?? {})) {
      if (name === "") problems.add('spec.ports[""]', ValidationCode.badValue, "a port needs a name");
    }
    if (spec.locality !== undefined && (spec.locality.split("/").length > 3 || spec.locality.startsWith("/"))) {
      problems.add("spec.locality", ValidationCode.badValue, "must be region, region/zone or region/zone/subzone");
    }
  },
  references: () => [],
});

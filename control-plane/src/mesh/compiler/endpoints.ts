// A Service's endpoints: the WorkloadEntries whose labels contain its selector, one
// ClusterLoadAssignment per Service port (docs/mesh.md, "Endpoints").
import { ipKey, parseIp } from "../../../../proto/checks/index.js";
import { PORT_ANNOTATION } from "../registered-workloads.js";
import { type CompiledResource, type CompileIssue, compiled, type EnvoyJson } from "./compiled-resource.js";
import type { MeshState, ServiceDocument, ServicePort, WorkloadEntryDocument } from "./mesh-state.js";
import { serviceClusterName } from "./names.js";
import { workloadHealth } from "./workload-health.js";

/**
 * Whether `labels` contain every pair of `selector`. A Service without a selector (or with an
 * empty one) selects no workload, as in Kubernetes, where such a Service's endpoints are managed
 * by hand.
 */
export function selects(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const pairs = Object.entries(selector ?? {});
  if (pairs.length === 0) return false;
  return pairs.every(([key, value]) => labels?.[key] === value);
}

/** A state's entries by label pair, in the state's (name) order; built once per state, which never changes. */
const BY_LABEL = new WeakMap<MeshState, Map<string, WorkloadEntryDocument[]>>();

/** Label keys and values hold no NUL, so `key NUL value` names one pair. */
const pairKey = (key: string, value: string) => `${key}\u0000${value}`;

function entriesLabelled(state: MeshState, key: string, value: string): readonly WorkloadEntryDocument[] {
  let index = BY_LABEL.get(state);
  if (index === undefined) {
    index = new Map();
    for (const entry of state.workloadEntries.values()) {
      for (const [k, v] of Object.entries(entry.spec.labels ?? {})) {
        const pair = pairKey(k, v);
        const list = index.get(pair);
        if (list === undefined) index.set(pair, [entry]);
        else list.push(entry);
      }
    }
    BY_LABEL.set(state, index);
  }
  return index.get(pairKey(key, value)) ?? [];
}

/**
 * The WorkloadEntries `service` selects, in name order: those carrying its selector's first pair,
 * checked against the rest (not every entry of the mesh for every Service port: a mesh of N
 * Services and N instances would compile in N^2).
 */
export function workloadsOf(state: MeshState, service: ServiceDocument): WorkloadEntryDocument[] {
  const first = Object.entries(service.spec.selector ?? {})[0];
  if (first === undefined) return [];
  return entriesLabelled(state, first[0], first[1]).filter((entry) =>
    selects(service.spec.selector, entry.spec.labels),
  );
}

/** Envoy's bound on the endpoint weights of one locality group. */
const UINT32_MAX = 4294967295;

/**
 * The ClusterLoadAssignment of one port of `service`. Each selected entry is an endpoint at its
 * address and the port its `spec.ports` gives under the Service port's name, else the Service port
 * itself; entries are grouped by locality (Istio's `region/zone/subzone`). Left out, each with an
 * issue: an entry whose address is a host name (EDS endpoints are IP addresses), one whose address
 * and port an earlier entry (by name) has already (Envoy and gRPC clients refuse a repeat), and one
 * whose weight would take its group's sum past Envoy's bound.
 */
export function compileEndpoints(
  state: MeshState,
  service: ServiceDocument,
  port: ServicePort,
  issues: CompileIssue[],
): CompiledResource<"endpoints"> {
  const groups = new Map<string, { locality: EnvoyJson; lbEndpoints: EnvoyJson[]; weights: number }>();
  const seen = new Map<string, string>();
  const serviceName = service.metadata.name;
  for (const entry of workloadsOf(state, service)) {
    const { address, weight, locality } = entry.spec;
    const skip = (path: string, message: string) =>
      issues.push({ kind: "workloadentries", name: entry.metadata.name, path, message });
    const ip = parseIp(address);
    if (ip === undefined) {
      skip("spec.address", `${address} is a host name; Service ${serviceName} sends only to IP addresses`);
      continue;
    }
    const endpointPort = endpointPortOf(entry, port, skip);
    const key = `${ipKey(ip)}:${endpointPort}`;
    const first = seen.get(key);
    if (first !== undefined) {
      skip("spec.address", `${address}:${endpointPort} is already Service ${serviceName}'s endpoint from ${first}`);
      continue;
    }
    seen.set(key, entry.metadata.name);
    // Istio: weight 0 (or none) is the default weight, 1.
    const endpointWeight = weight === undefined || weight === 0 ? 1 : weight;
    const parts = localityParts(locality ?? "");
    const groupKey = JSON.stringify(parts);
    const group = groups.get(groupKey) ?? { locality: localityOf(parts), lbEndpoints: [], weights: 0 };
    if (group.weights + endpointWeight > UINT32_MAX) {
      skip("spec.weight", `the weights of Service ${serviceName}'s endpoints in one locality exceed ${UINT32_MAX}`);
      continue;
    }
    group.weights += endpointWeight;
    group.lbEndpoints.push({
      endpoint: { address: { socketAddress: { address, portValue: endpointPort } } },
      healthStatus: workloadHealth(entry),
      loadBalancingWeight: endpointWeight,
    });
    groups.set(groupKey, group);
  }
  const endpoints = [...groups.values()].map(({ locality, lbEndpoints }) => ({ locality, lbEndpoints }));
  return compiled("endpoints", { clusterName: serviceClusterName(serviceName, port.port), endpoints });
}

/**
 * The port `port` of a Service reaches on `entry`: its `spec.ports` under the Service port's name,
 * else its PORT_ANNOTATION (a registered sidecar's inbound port), else the Service port itself.
 * `skip` hears an annotation that is no port number (ignored).
 */
export function endpointPortOf(
  entry: WorkloadEntryDocument,
  port: ServicePort,
  skip: (path: string, message: string) => void = () => {},
): number {
  const named = port.name === undefined ? undefined : entry.spec.ports?.[port.name];
  return named ?? entryPort(entry, skip) ?? port.port;
}

/**
 * The entry's PORT_ANNOTATION as a port number; a value that is not one (1 to 65535, decimal) is
 * ignored with an issue, so the Service port's own number applies.
 */
function entryPort(entry: WorkloadEntryDocument, skip: (path: string, message: string) => void): number | undefined {
  const value = entry.metadata.annotations?.[PORT_ANNOTATION];
  if (value === undefined) return undefined;
  const port = /^[1-9][0-9]{0,4}$/.test(value) ? Number(value) : 0;
  if (port >= 1 && port <= 65535) return port;
  skip(
    `metadata.annotations["${PORT_ANNOTATION}"]`,
    `${JSON.stringify(value)} is not a port number (1-65535): ignored`,
  );
  return undefined;
}

/** Istio's `region/zone/subzone`, each part optional from the right. */
function localityParts(text: string): [string, string, string] {
  const [region = "", zone = "", subZone = ""] = text === "" ? [] : text.split("/");
  return [region, zone, subZone];
}

/** No locality at all is `{}` (gRPC clients need the field present). */
function localityOf([region, zone, subZone]: [string, string, string]): EnvoyJson {
  return region === "" && zone === "" && subZone === "" ? {} : { region, zone, subZone };
}

// What a simulated proxy needs to know of a resource it was sent: its name, the names it makes the
// proxy subscribe to (a listener's RDS route configurations, an EDS cluster's assignment), and
// whether it holds the new content a change round looks for. Decoded with the generated types.
//
// Thousands of simulated proxies in one process receive byte-identical resources, and the machine
// they share with the control plane has two cores, so each distinct resource is decoded once per
// process and the view reused (ResourceViews): the benchmark measures the control plane, not the
// simulators' protobuf decoding.
import type { ClusterLoadAssignment } from "../proto/gen/envoy/config/endpoint/v3/endpoint.js";
import type { RouteConfiguration } from "../proto/gen/envoy/config/route/v3/route.js";
import type { Any } from "../proto/gen/google/protobuf/any.js";
import { kindOfTypeUrl, TypeUrl, unpackAnyAs } from "../proto/index.js";
import type { ChangeWatch } from "./cp-xds-messages.js";

export interface ResourceView {
  readonly typeUrl: string;
  readonly name: string;
  /** Route configurations (of a listener) or assignment names (of an EDS cluster) it refers to. */
  readonly references: readonly string[];
  /** The decoded message. */
  readonly message: unknown;
  /** Memo of `holds` for the watch it was last asked about. */
  watched: ChangeWatch | undefined;
  holdsWatched: boolean;
}

function decode(any: Any): ResourceView {
  const kind = kindOfTypeUrl(any.typeUrl);
  if (kind === undefined) throw new Error(`a proxy was sent a resource of unexpected type ${any.typeUrl}`);
  const message = unpackAnyAs<unknown>(any, kind.typeName);
  // A proxy subscribes to what a listener names over RDS and what an EDS cluster names over EDS.
  const references = kind
    .references(message)
    .filter((ref) => ref.kind === "routes" || ref.kind === "endpoints")
    .map((ref) => ref.name);
  return {
    typeUrl: any.typeUrl,
    watched: undefined,
    holdsWatched: false,
    name: kind.nameOf(message),
    references,
    message,
  };
}

function holds(view: ResourceView, watch: ChangeWatch): boolean {
  if (watch.kind === "route") {
    if (view.typeUrl !== TypeUrl.route || view.name !== watch.routeConfig) return false;
    const config = view.message as RouteConfiguration;
    return config.virtualHosts.some((host) => host.routes.some((route) => route.match?.prefix === watch.prefix));
  }
  if (view.typeUrl !== TypeUrl.endpoint || view.name !== watch.cluster) return false;
  const assignment = view.message as ClusterLoadAssignment;
  return assignment.endpoints.some((locality) =>
    locality.lbEndpoints.some((lb) => lb.endpoint?.address?.socketAddress?.portValue === watch.port),
  );
}

/** Whether `view` holds the content `watch` looks for (memoized per view and watch). */
export function holdsChange(view: ResourceView, watch: ChangeWatch | undefined): boolean {
  if (watch === undefined) return false;
  if (view.watched !== watch) {
    view.watched = watch;
    view.holdsWatched = holds(view, watch);
  }
  return view.holdsWatched;
}

/** Decoded resources of one process, by content (SotW) or by name and version (delta). */
export class ResourceViews {
  readonly #byKey = new Map<string, ResourceView>();
  readonly #responses = new Map<string, { readonly resources: readonly Any[]; readonly views: ResourceView[] }>();

  /**
   * The views of a SotW response's resources. SotW gives a resource no identity but its bytes:
   * a response whose type, version_info and resource count match one seen before is checked
   * byte for byte against it (a memcmp per resource) and then shares its views; any other
   * response is looked up resource by resource, keyed by the bytes themselves.
   */
  ofSotwResponse(typeUrl: string, versionInfo: string, resources: readonly Any[]): ResourceView[] {
    const key = `${typeUrl}\n${versionInfo}\n${resources.length}`;
    const seen = this.#responses.get(key);
    if (seen && resources.every((any, i) => sameBytes(any.value, seen.resources[i]?.value))) return seen.views;
    const views = resources.map((any) => this.ofAny(any));
    if (this.#responses.size >= 1_000) this.#responses.clear();
    this.#responses.set(key, { resources, views });
    return views;
  }

  /** The view of one SotW resource, keyed by its bytes. */
  ofAny(any: Any): ResourceView {
    return this.#view(`${any.typeUrl}\n${asBuffer(any.value).toString("latin1")}`, any);
  }

  /** The view of a delta resource: its name and content version identify it. */
  ofVersioned(name: string, version: string, any: Any): ResourceView {
    return this.#view(`${any.typeUrl}\n${name}\n${version}`, any);
  }

  #view(key: string, any: Any): ResourceView {
    let view = this.#byKey.get(key);
    if (view === undefined) {
      view = decode(any);
      // A bounded memo: old versions go once the process has seen many.
      if (this.#byKey.size >= 10_000) this.#byKey.clear();
      this.#byKey.set(key, view);
    }
    return view;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function sameBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return b !== undefined && a.byteLength === b.byteLength && asBuffer(a).equals(b);
}

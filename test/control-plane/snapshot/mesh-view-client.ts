// What the mesh view tests share: committing mesh documents as one revision, and asking for a
// view's resources the way a proxy does, over a SotW ADS stream of the harness's server.
import type { MeshKindName } from "../../../control-plane/src/mesh/index.js";
import { parseMeshDocument } from "../../../control-plane/src/mesh/index.js";
import type { Mutation } from "../../../control-plane/src/store/config-store.js";
import { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster.js";
import { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener.js";
import type { DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery.js";
import type { Doc } from "../mesh/mesh-documents.js";
import { type Harness, names, request } from "../xds/harness.js";

/** Commits mesh documents in one revision and waits for the snapshot holding it. */
export async function putMesh(h: Harness, ...docs: [MeshKindName, Doc][]): Promise<void> {
  const mutations: Mutation[] = docs.map(([kind, doc]) => {
    const parsed = parseMeshDocument(kind, doc);
    return { op: "put", kind, name: parsed.name, json: parsed.json, version: parsed.version };
  });
  const { revision } = await h.store.commit(mutations);
  await new Promise<void>((resolve) => {
    if ((h.builder.current()?.revision ?? 0) >= revision) return resolve();
    const off = h.builder.subscribe((s) => {
      if (s.revision >= revision) {
        off();
        resolve();
      }
    });
  });
}

/** One SotW ADS answer for `typeUrl` to `node`, the stream closed afterwards. */
export async function fetch(
  h: Harness,
  node: Record<string, unknown>,
  typeUrl: string,
  resourceNames: string[] = [],
): Promise<DiscoveryResponse> {
  const stream = h.ads();
  stream.send(request({ node, typeUrl, resourceNames }));
  const response = await stream.next();
  stream.cancel();
  return response;
}

export const listenerNames = (r: DiscoveryResponse) => names(r, (b) => Listener.decode(b)).sort();
export const clusterNames = (r: DiscoveryResponse) => names(r, (b) => Cluster.decode(b)).sort();

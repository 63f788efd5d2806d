// A registered instance's WorkloadEntry as the REST API shows it, for tests of the registry's
// transports (REST, gRPC) and of the sidecar's registration client.
import assert from "node:assert/strict";

export interface StoredEntry {
  readonly metadata: { readonly annotations: Record<string, string> };
  readonly spec: {
    readonly address: string;
    readonly ports: Record<string, number>;
    readonly labels: Record<string, string>;
  };
}

/** The WorkloadEntry `name` read from the API at `apiAddress` (HOST:PORT), or undefined when there is none. */
export async function storedEntry(apiAddress: string, name: string): Promise<StoredEntry | undefined> {
  const response = await fetch(`http://${apiAddress}/v1/resources/workloadentries/${name}`);
  if (response.status === 404) return undefined;
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { resource: StoredEntry }).resource;
}

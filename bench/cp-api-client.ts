// The few REST API calls the benchmark makes (README, "REST API reference": PUT /v1/resources/KIND/NAME and
// POST /v1/apply), each bounded by a timeout. A refused write throws with the API's error details.
// KIND is an Envoy kind (cp-xds-config.ts's ApiKind) or a mesh plural (`services`, `httproutes`).

export interface PutResult {
  readonly kind: string;
  readonly name: string;
  readonly version: string;
  readonly revision: number;
}

const TIMEOUT_MS = 30_000;

export class ApiClient {
  readonly #base: string;

  constructor(apiAddress: string) {
    this.#base = `http://${apiAddress}`;
  }

  async put(kind: string, name: string, resource: unknown): Promise<PutResult> {
    return (await this.#send("PUT", `/v1/resources/${kind}/${encodeURIComponent(name)}`, resource)) as PutResult;
  }

  async apply(resources: readonly { kind: string; resource: unknown }[]): Promise<{ revision: number }> {
    const body = { resources: resources.map(({ kind, resource }) => ({ kind, resource })) };
    return (await this.#send("POST", "/v1/apply", body)) as { revision: number };
  }

  async #send(method: string, path: string, body: unknown): Promise<unknown> {
    const response = await fetch(this.#base + path, {
      method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 2_000)}`);
    return JSON.parse(text);
  }
}

// The REST API's operations, typed: what the client commands call. Paths and query parameters
// are the API's (README "REST API reference"); names are percent-encoded here.

import type { KindName } from "../../../proto/index.js";
import type {
  ApiKind,
  ApplyItem,
  ApplyResult,
  CreatedTokenView,
  DeleteResult,
  MeshService,
  MeshServices,
  NackView,
  ProxyConfig,
  ProxyStatus,
  ResourceList,
  ResourceView,
  RevisionDetail,
  RevisionSummary,
  RollbackResult,
  TokenView,
} from "./api-types.js";
import { HttpClient, type HttpClientOptions } from "./http-client.js";

export class WeftApi {
  readonly #http: HttpClient;

  constructor(options: HttpClientOptions) {
    this.#http = new HttpClient(options);
  }

  get baseUrl(): string {
    return this.#http.baseUrl;
  }

  list(kind: ApiKind): Promise<ResourceList> {
    return this.#http.json("GET", `/v1/resources/${kind}`);
  }

  get(kind: ApiKind, name: string): Promise<ResourceView> {
    return this.#http.json("GET", `/v1/resources/${kind}/${encodeURIComponent(name)}`);
  }

  delete(kind: ApiKind, name: string, options: { force?: boolean } = {}): Promise<DeleteResult> {
    return this.#http.json("DELETE", `/v1/resources/${kind}/${encodeURIComponent(name)}`, {
      query: { force: options.force === true ? true : undefined },
    });
  }

  /** All or nothing; with dryRun, validates and compares only. */
  apply(resources: readonly ApplyItem[], options: { dryRun?: boolean } = {}): Promise<ApplyResult> {
    return this.#http.json("POST", "/v1/apply", {
      query: { dryRun: options.dryRun === true ? true : undefined },
      body: { resources },
    });
  }

  async revisions(options: { limit?: number } = {}): Promise<readonly RevisionSummary[]> {
    const answer = await this.#http.json<{ revisions: RevisionSummary[] }>("GET", "/v1/revisions", {
      query: { limit: options.limit },
    });
    return answer.revisions;
  }

  revision(revision: number): Promise<RevisionDetail> {
    return this.#http.json("GET", `/v1/revisions/${revision}`);
  }

  rollback(revision: number): Promise<RollbackResult> {
    return this.#http.json("POST", `/v1/revisions/${revision}/rollback`);
  }

  async proxies(): Promise<readonly ProxyStatus[]> {
    const answer = await this.#http.json<{ proxies: ProxyStatus[] }>("GET", "/v1/proxies");
    return answer.proxies;
  }

  /** What the control plane sends `node` now (404 WEFT_NOT_FOUND when it has no stream); `kind` keeps one kind. */
  proxyConfig(node: string, kind?: KindName): Promise<ProxyConfig> {
    return this.#http.json("GET", `/v1/proxies/${encodeURIComponent(node)}/config`, { query: { type: kind } });
  }

  /** Every Service as operators see it (ports, endpoints healthy/total, routes). */
  meshServices(): Promise<MeshServices> {
    return this.#http.json("GET", "/v1/mesh/services");
  }

  /** One Service as compiled (404 WEFT_NOT_FOUND for a name no Service has). */
  meshService(name: string): Promise<MeshService> {
    return this.#http.json("GET", `/v1/mesh/services/${encodeURIComponent(name)}`);
  }

  /** The NACK history, newest first; `node` and `kind` keep one node's or one kind's. */
  async nacks(filter: { node?: string; kind?: ApiKind } = {}): Promise<readonly NackView[]> {
    const answer = await this.#http.json<{ nacks: NackView[] }>("GET", "/v1/nacks", {
      query: { node: filter.node, type: filter.kind },
    });
    return answer.nacks;
  }

  /**
   * A join token for `grant.service` or an API token for `grant.role`, expiring after `ttlSeconds`
   * when given; the answer holds the token.
   */
  createToken(grant: { service: string } | { role: string }, ttlSeconds?: number): Promise<CreatedTokenView> {
    return this.#http.json("POST", "/v1/tokens", {
      body: ttlSeconds === undefined ? grant : { ...grant, ttlSeconds },
    });
  }

  async tokens(): Promise<readonly TokenView[]> {
    const answer = await this.#http.json<{ tokens: TokenView[] }>("GET", "/v1/tokens");
    return answer.tokens;
  }

  /** Revokes token `id`, join or API (404 WEFT_NOT_FOUND when no token has it). */
  revokeToken(id: string): Promise<TokenView> {
    return this.#http.json("DELETE", `/v1/tokens/${encodeURIComponent(id)}`);
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}

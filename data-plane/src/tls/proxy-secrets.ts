// The secrets a proxy's TLS contexts name: those its control plane sends over SDS, and those put
// here by the process itself (a sidecar's own certificate, whose key never leaves it). A local
// secret wins over an SDS one of the same name. Every change tells the listeners of it, so TLS
// contexts are made again for the connections that follow.
import type { RuntimeSecret } from "../config/tls.js";
import type { SecretLookup } from "./tls-contexts.js";

export class ProxySecrets implements SecretLookup {
  #local = new Map<string, RuntimeSecret>();
  #sds: ReadonlyMap<string, RuntimeSecret> = new Map();
  readonly #listeners = new Set<() => void>();

  secret(name: string): RuntimeSecret | undefined {
    return this.#local.get(name) ?? this.#sds.get(name);
  }

  /** Puts (or replaces) a secret of this process's own. */
  setLocal(secret: RuntimeSecret): void {
    this.#local = new Map(this.#local).set(secret.name, secret);
    this.#changed();
  }

  /** The secrets the control plane sends, as a whole set. */
  setSds(secrets: ReadonlyMap<string, RuntimeSecret>): void {
    this.#sds = secrets;
    this.#changed();
  }

  /** Names of the local secrets, in the order they were first put. */
  localNames(): string[] {
    return [...this.#local.keys()];
  }

  /** Calls `listener` after every change until the returned function is called. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

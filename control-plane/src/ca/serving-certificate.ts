// The control plane's own certificate for the TLS xDS port (istiod's 15012): issued by the mesh CA
// at start for a key made here (never stored), renewed with a new key at half-life on the injected
// clock, and handed to gRPC's TLS server as a certificate provider, so a renewal reaches every
// connection accepted after it while open ones run on. The same provider gives the mesh root the
// server verifies client certificates against.
import { isIP } from "node:net";
import { hostname } from "node:os";
import type { experimental } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { Clock, Timer } from "../../../time/index.js";
import type { CertificateAuthority, IssuedCertificate } from "./certificate-authority.js";
import { generateKeyAndCsr } from "./workload-csr.js";

/** How long a failed renewal waits before the next attempt (the certificate in use is still valid). */
export const SERVING_RETRY_MS = 30_000;

export interface ServingCertificateOptions {
  readonly ca: CertificateAuthority;
  /** The host the TLS port listens on: named in the certificate unless it is a wildcard address. */
  readonly listenHost: string;
  /** The certificate's lifetime (the control plane's --cert-ttl). */
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The names clients that check host names may dial: the listen host (not 0.0.0.0 or ::, which no
 * one dials), this machine's host name, and loopback. Weft's own clients check the SPIFFE ID
 * instead (data-plane/src/xds-client/control-plane-tls.ts), so any address reaches them.
 */
export function servingNames(listenHost: string, machine = hostname()): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = new Set<string>(["localhost"]);
  const ipAddresses = new Set<string>(["127.0.0.1", "::1"]);
  for (const host of [listenHost, machine]) {
    if (host === "" || host === "0.0.0.0" || host === "::") continue;
    if (isIP(host) !== 0) ipAddresses.add(host);
    else dnsNames.add(host.toLowerCase());
  }
  return { dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
}

type CaCertificateUpdateListener = experimental.CaCertificateUpdateListener;
type IdentityCertificateUpdateListener = experimental.IdentityCertificateUpdateListener;

export class ServingCertificate implements experimental.CertificateProvider {
  readonly #options: ServingCertificateOptions;
  readonly #caListeners = new Set<CaCertificateUpdateListener>();
  readonly #identityListeners = new Set<IdentityCertificateUpdateListener>();
  #current: { readonly issued: IssuedCertificate; readonly keyPem: string } | undefined;
  #timer: Timer | undefined;
  #closed = false;

  constructor(options: ServingCertificateOptions) {
    this.#options = options;
  }

  /** Issues the first certificate (rejects if the CA cannot sign), then renews until close(). */
  async start(): Promise<IssuedCertificate> {
    const issued = await this.#issue();
    this.#schedule(issued.rotateAt.getTime() - this.#options.clock.now());
    return issued;
  }

  /** The certificate served now. */
  get current(): IssuedCertificate | undefined {
    return this.#current?.issued;
  }

  close(): void {
    this.#closed = true;
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  // grpc-js calls these when a server (or channel) starts or stops using the provider. The first
  // value goes out after the current call stack: grpc-js adds its own watcher only after this
  // listener, and a value delivered before it would be lost.
  addCaCertificateListener(listener: CaCertificateUpdateListener): void {
    this.#caListeners.add(listener);
    queueMicrotask(() => {
      if (this.#caListeners.has(listener)) listener({ caCertificate: Buffer.from(this.#options.ca.trustBundlePem()) });
    });
  }

  removeCaCertificateListener(listener: CaCertificateUpdateListener): void {
    this.#caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityCertificateUpdateListener): void {
    this.#identityListeners.add(listener);
    queueMicrotask(() => {
      if (this.#identityListeners.has(listener) && this.#current !== undefined) listener(this.#identityUpdate());
    });
  }

  removeIdentityCertificateListener(listener: IdentityCertificateUpdateListener): void {
    this.#identityListeners.delete(listener);
  }

  #identityUpdate(): { certificate: Buffer; privateKey: Buffer } {
    const current = this.#current;
    if (current === undefined) throw new Error("no serving certificate yet");
    return { certificate: Buffer.from(current.issued.chainPem), privateKey: Buffer.from(current.keyPem) };
  }

  async #issue(): Promise<IssuedCertificate> {
    const { ca, listenHost, ttlMs, clock, logger } = this.#options;
    const { keyPem, csrPem } = await generateKeyAndCsr();
    const issued = await ca.signControlPlane({ csrPem, ...servingNames(listenHost), ttlMs, now: clock.now() });
    this.#current = { issued, keyPem };
    for (const listener of this.#identityListeners) listener(this.#identityUpdate());
    logger.info(
      {
        spiffeId: issued.spiffeId,
        serialNumber: issued.serialNumber,
        notAfter: issued.notAfter.toISOString(),
        rotateAt: issued.rotateAt.toISOString(),
      },
      "xDS serving certificate issued",
    );
    return issued;
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    this.#timer = this.#options.clock.setTimeout(
      () => {
        this.#timer = undefined;
        void this.#renew();
      },
      Math.max(0, delayMs),
    );
    this.#timer.unref();
  }

  async #renew(): Promise<void> {
    if (this.#closed) return;
    try {
      const issued = await this.#issue();
      this.#schedule(issued.rotateAt.getTime() - this.#options.clock.now());
    } catch (error) {
      this.#options.logger.error({ err: error, retryInMs: SERVING_RETRY_MS }, "xDS serving certificate renewal failed");
      this.#schedule(SERVING_RETRY_MS);
    }
  }
}

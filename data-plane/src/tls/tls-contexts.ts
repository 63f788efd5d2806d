// Compiled TLS contexts (config/tls.ts) made into what node:tls takes: a SecureContext with the
// certificate and the trusted roots read from wherever they come from (inline, a file, an
// environment variable, an SDS secret), and the peer check node does not do itself (Envoy's SAN
// matchers). A made context is kept until a secret changes (secretsChanged), so each new
// connection costs a map lookup; a connection keeps the context it was made with, so a rotated
// certificate reaches new connections and drops none.
import { readFileSync } from "node:fs";
import tls from "node:tls";
import type {
  RuntimeCertificate,
  RuntimeDataSource,
  RuntimeSanMatcher,
  RuntimeSecret,
  RuntimeTls,
  SanType,
} from "../config/tls.js";
import { ProxyError, ProxyErrorCode } from "../errors.js";

/** Where SDS secrets are looked up by name. */
export interface SecretLookup {
  secret(name: string): RuntimeSecret | undefined;
}

/** A TLS context ready for a handshake. */
export interface ResolvedTls {
  readonly tls: RuntimeTls;
  readonly secureContext: tls.SecureContext;
  /** What secureContext was made from (a TLS server takes these rather than a context). */
  readonly contextOptions: tls.SecureContextOptions;
  /** Whether a peer certificate is verified against the roots (and, downstream, asked for). */
  readonly verifiesPeer: boolean;
  /** The SAN matchers a verified peer must meet one of (none: any SAN). */
  readonly sanMatchers: readonly RuntimeSanMatcher[];
}

/** The identities a peer certificate names, as Envoy's SAN types call them. */
export interface PeerSans {
  readonly URI: readonly string[];
  readonly DNS: readonly string[];
  readonly EMAIL: readonly string[];
  readonly IP_ADDRESS: readonly string[];
}

export class TlsContexts {
  readonly #secrets: SecretLookup;
  #made = new WeakMap<RuntimeTls, ResolvedTls>();

  constructor(secrets: SecretLookup) {
    this.#secrets = secrets;
  }

  /** Forgets every context made: the next connection of each makes its own from the current secrets. */
  secretsChanged(): void {
    this.#made = new WeakMap();
  }

  /**
   * The context `config` stands for now; throws a WEFT_PROXY_TLS_UNAVAILABLE ProxyError when a
   * secret it names is missing or its material does not read or parse.
   */
  resolve(config: RuntimeTls): ResolvedTls {
    const made = this.#made.get(config);
    if (made !== undefined) return made;
    const resolved = this.#make(config);
    this.#made.set(config, resolved);
    return resolved;
  }

  #make(config: RuntimeTls): ResolvedTls {
    const options: tls.SecureContextOptions = {};
    if (config.minVersion !== undefined) options.minVersion = config.minVersion;
    if (config.maxVersion !== undefined) options.maxVersion = config.maxVersion;
    if (config.ciphers !== undefined) options.ciphers = config.ciphers;
    if (config.ecdhCurve !== undefined) options.ecdhCurve = config.ecdhCurve;

    const certificate = config.certificate;
    if (certificate !== undefined) {
      const given = "given" in certificate ? certificate.given : this.#secretCertificate(certificate.sds);
      options.cert = read(given.chain, "certificate_chain");
      options.key = read(given.key, "private_key");
    }

    let sanMatchers: readonly RuntimeSanMatcher[] = [];
    let roots: Buffer | undefined;
    const validation = config.validation;
    if (validation !== undefined) {
      const fromSecret =
        validation.sds === undefined ? undefined : this.#secret(validation.sds, "validation context").validation;
      if (validation.sds !== undefined && fromSecret === undefined) {
        throw unavailable(`secret "${validation.sds}" holds no validation context`);
      }
      const trustedCa = fromSecret?.trustedCa ?? validation.given?.trustedCa;
      roots = trustedCa === undefined ? undefined : read(trustedCa, "trusted_ca");
      sanMatchers = [...(fromSecret?.sanMatchers ?? []), ...(validation.given?.sanMatchers ?? [])];
      if (roots !== undefined) options.ca = roots;
    }
    let secureContext: tls.SecureContext;
    try {
      secureContext = tls.createSecureContext(options);
    } catch (error) {
      throw unavailable(`the certificate, key or roots do not load: ${(error as Error).message}`, error);
    }
    return Object.freeze({
      tls: config,
      secureContext,
      contextOptions: options,
      verifiesPeer: roots !== undefined,
      sanMatchers,
    });
  }

  #secretCertificate(name: string): RuntimeCertificate {
    const certificate = this.#secret(name, "certificate").certificate;
    if (certificate === undefined) throw unavailable(`secret "${name}" holds no certificate`);
    return certificate;
  }

  #secret(name: string, wanted: string): RuntimeSecret {
    const secret = this.#secrets.secret(name);
    if (secret === undefined) throw unavailable(`secret "${name}" (${wanted}) has not arrived over SDS`);
    return secret;
  }
}

function read(source: RuntimeDataSource, field: string): Buffer {
  if ("inline" in source) return source.inline;
  if ("filename" in source) {
    try {
      return readFileSync(source.filename);
    } catch (error) {
      throw unavailable(`${field}: ${source.filename} does not read: ${(error as Error).message}`, error);
    }
  }
  const value = process.env[source.environmentVariable];
  if (value === undefined || value === "") {
    throw unavailable(`${field}: environment variable ${source.environmentVariable} is not set`);
  }
  return Buffer.from(value);
}

function unavailable(message: string, cause?: unknown): ProxyError<typeof ProxyErrorCode.tlsUnavailable> {
  return new ProxyError(ProxyErrorCode.tlsUnavailable, message, cause === undefined ? undefined : { cause });
}

/** The SANs of a peer certificate, from node's `subjectaltname` ("URI:spiffe://a, DNS:b"). */
export function peerSans(certificate: tls.PeerCertificate | undefined): PeerSans {
  const sans: Record<SanType, string[]> = { URI: [], DNS: [], EMAIL: [], IP_ADDRESS: [] };
  const text = certificate?.subjectaltname;
  if (text === undefined || text === "") return sans;
  for (const entry of splitSans(text)) {
    const colon = entry.indexOf(":");
    if (colon < 0) continue;
    const kind = entry.slice(0, colon);
    const value = unquote(entry.slice(colon + 1));
    if (kind === "URI") sans.URI.push(value);
    else if (kind === "DNS") sans.DNS.push(value);
    else if (kind === "email") sans.EMAIL.push(value);
    else if (kind === "IP Address") sans.IP_ADDRESS.push(value);
  }
  return sans;
}

/** Splits on ", " outside the double quotes node puts around a value holding a comma. */
function splitSans(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && quoted && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (c === "," && !quoted && text[i + 1] === " ") {
      parts.push(current);
      current = "";
      i++;
    } else {
      current += c;
    }
  }
  if (current !== "") parts.push(current);
  return parts;
}

function unquote(value: string): string {
  if (!value.startsWith('"') || !value.endsWith('"')) return value;
  try {
    return JSON.parse(value) as string;
  } catch {
    return value.slice(1, -1);
  }
}

/** Whether `sans` meet one of `matchers` (no matcher: any SAN does). */
export function sansMatch(sans: PeerSans, matchers: readonly RuntimeSanMatcher[]): boolean {
  if (matchers.length === 0) return true;
  return matchers.some((matcher) => sans[matcher.type].some((value) => matcher.matches(value)));
}

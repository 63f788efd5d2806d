// The TLS transport socket (envoy.transport_sockets.tls) of a listener's filter chain
// (DownstreamTlsContext) or of a cluster (UpstreamTlsContext), and SDS Secret resources, compiled
// into what the proxy's TLS layer (../tls/) needs: where the certificate and the trusted roots come
// from (inline, a file, an environment variable, or a secret by name over SDS) and how the peer's
// certificate is matched. Reading files and resolving secrets happen later, when a context is
// made, so that a rotated file or secret reaches new connections without a config change.
import { createHash } from "node:crypto";
import type { SecureVersion } from "node:tls";
import type { DataSource, TransportSocket } from "../../../proto/gen/envoy/config/core/v3/base.js";
import {
  type CertificateValidationContext,
  type SubjectAltNameMatcher,
  SubjectAltNameMatcher_SanType,
  type TlsCertificate,
  TlsParameters_TlsProtocol,
} from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/common.js";
import type { SdsSecretConfig, Secret } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/secret.js";
import type {
  CommonTlsContext,
  DownstreamTlsContext,
  UpstreamTlsContext,
} from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/tls.js";
import type { StringMatcher } from "../../../proto/gen/envoy/type/matcher/v3/string.js";
import { compileStringMatcher, type StringPredicate } from "../router/string-match.js";
import { anyTypeName, Cursor, join, requireAds, unpack } from "./common.js";
import { ConfigErrorCode as Code } from "./errors.js";

/** Where bytes come from: a file read when a context is made, bytes given inline, or an environment variable. */
export type RuntimeDataSource =
  | { readonly filename: string }
  | { readonly inline: Buffer }
  | { readonly environmentVariable: string };

/** A certificate chain and its private key (PEM). */
export interface RuntimeCertificate {
  readonly chain: RuntimeDataSource;
  readonly key: RuntimeDataSource;
}

export type SanType = "DNS" | "URI" | "EMAIL" | "IP_ADDRESS";

/**
 * A SAN of `type` whose value `matches`: one of match_typed_subject_alt_names, or one of the four
 * (one per type) that a match_subject_alt_names entry stands for.
 */
export interface RuntimeSanMatcher {
  readonly type: SanType;
  readonly matches: StringPredicate;
}

/** How a peer certificate is checked: signed by one of trustedCa, and (if any) one SAN matched. */
export interface RuntimeValidation {
  readonly trustedCa: RuntimeDataSource | undefined;
  readonly sanMatchers: readonly RuntimeSanMatcher[];
}

/** A TLS context, downstream (a listener's) or upstream (a cluster's). */
export interface RuntimeTls {
  readonly side: "downstream" | "upstream";
  /** The context's content (a digest of its encoded message): equal keys, equal contexts. */
  readonly key: string;
  /** The certificate presented: given, or a secret by name over SDS; none for an upstream that presents none. */
  readonly certificate: { readonly given: RuntimeCertificate } | { readonly sds: string } | undefined;
  /**
   * How the peer is checked: `given` (validation_context), `sds` (a secret by name), or both
   * (combined_validation_context: the secret's roots, the given context's SAN matchers); undefined:
   * the peer's certificate is not verified (downstream: not asked for).
   */
  readonly validation: { readonly given?: RuntimeValidation; readonly sds?: string } | undefined;
  /** Downstream: a client without a certificate is refused. */
  readonly requireClientCertificate: boolean;
  /** Upstream: the server name sent (SNI); empty sends none. */
  readonly sni: string;
  readonly alpn: readonly string[];
  readonly minVersion: SecureVersion | undefined;
  readonly maxVersion: SecureVersion | undefined;
  /** OpenSSL cipher list (joined by ":"), or undefined for Node's default. */
  readonly ciphers: string | undefined;
  readonly ecdhCurve: string | undefined;
}

/** An SDS Secret: a certificate with its key, or a validation context. */
export interface RuntimeSecret {
  readonly name: string;
  readonly certificate: RuntimeCertificate | undefined;
  readonly validation: RuntimeValidation | undefined;
}

/**
 * The SDS secrets a TLS context names, each once: its certificate's and its roots' (a combined
 * validation context's included), in that order.
 */
export function secretNamesOf(config: RuntimeTls): string[] {
  const names: string[] = [];
  if (config.certificate !== undefined && "sds" in config.certificate) names.push(config.certificate.sds);
  const roots = config.validation?.sds;
  if (roots !== undefined && !names.includes(roots)) names.push(roots);
  return names;
}

/** The only transport socket the proxy knows besides plaintext. */
export const TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";
const DOWNSTREAM = "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
const UPSTREAM = "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
const RAW_BUFFER = "envoy.transport_sockets.raw_buffer";

/**
 * A filter chain's or a cluster's transport_socket: undefined for none or raw_buffer (plaintext),
 * the compiled context for TLS; anything else is refused.
 */
export function buildTransportSocket(
  at: Cursor,
  field: string,
  socket: TransportSocket | undefined,
  side: RuntimeTls["side"],
): RuntimeTls | undefined {
  if (socket === undefined) return undefined;
  const typed = socket.typedConfig;
  if (typed === undefined) {
    if (socket.name === RAW_BUFFER) return undefined;
    return at.fail(
      Code.missingField,
      join(field, "typed_config"),
      "typed_config is required for a TLS transport socket",
    );
  }
  const want = side === "downstream" ? DOWNSTREAM : UPSTREAM;
  const typeName = anyTypeName(typed);
  if (typeName !== want) {
    at.fail(
      Code.unsupportedFeature,
      join(field, "typed_config"),
      `unsupported transport socket ${typeName}${side === "downstream" ? " (a listener takes a DownstreamTlsContext)" : " (a cluster takes an UpstreamTlsContext)"}`,
    );
  }
  const path = join(field, "typed_config");
  const key = createHash("sha256").update(typed.value).digest("base64url");
  if (side === "downstream") {
    const context = unpack<DownstreamTlsContext>(at, path, typed, DOWNSTREAM);
    const common = context.commonTlsContext;
    const compiled = buildCommon(at, join(path, "common_tls_context"), common, side);
    if (compiled.certificate === undefined) {
      at.fail(
        Code.missingField,
        join(path, "common_tls_context.tls_certificates"),
        "a listener's TLS context needs a certificate (tls_certificates or tls_certificate_sds_secret_configs)",
      );
    }
    const requireClientCertificate = context.requireClientCertificate ?? false;
    if (requireClientCertificate && compiled.validation === undefined) {
      at.fail(
        Code.missingField,
        join(path, "common_tls_context.validation_context"),
        "require_client_certificate needs a validation context with trusted_ca to verify the client's certificate",
      );
    }
    return Object.freeze({ ...compiled, key, requireClientCertificate, sni: "" });
  }
  const context = unpack<UpstreamTlsContext>(at, path, typed, UPSTREAM);
  const compiled = buildCommon(at, join(path, "common_tls_context"), context.commonTlsContext, side);
  return Object.freeze({ ...compiled, key, requireClientCertificate: false, sni: context.sni });
}

function buildCommon(
  at: Cursor,
  path: string,
  common: CommonTlsContext | undefined,
  side: RuntimeTls["side"],
): Omit<RuntimeTls, "key" | "requireClientCertificate" | "sni"> {
  if (common?.tlsCertificateProviderInstance !== undefined) {
    at.fail(
      Code.unsupportedFeature,
      join(path, "tls_certificate_provider_instance"),
      "certificate provider instances are for gRPC clients; give tls_certificates or tls_certificate_sds_secret_configs",
    );
  }
  const certificates = common?.tlsCertificates ?? [];
  const sdsCertificates = common?.tlsCertificateSdsSecretConfigs ?? [];
  if (certificates.length + sdsCertificates.length > 1) {
    at.fail(
      Code.unsupportedFeature,
      join(path, certificates.length > 1 ? "tls_certificates" : "tls_certificate_sds_secret_configs"),
      "one certificate only (choosing among several by the client's key types is not supported)",
    );
  }
  let certificate: RuntimeTls["certificate"];
  const [given] = certificates;
  const [sds] = sdsCertificates;
  if (given !== undefined) {
    certificate = { given: buildCertificate(at, join(path, "tls_certificates[0]"), given) };
  } else if (sds !== undefined) {
    certificate = { sds: sdsName(at, join(path, "tls_certificate_sds_secret_configs[0]"), sds) };
  }

  let validation: RuntimeTls["validation"];
  if (common?.validationContext !== undefined) {
    validation = { given: buildValidation(at, join(path, "validation_context"), common.validationContext, true) };
  } else if (common?.validationContextSdsSecretConfig !== undefined) {
    validation = {
      sds: sdsName(at, join(path, "validation_context_sds_secret_config"), common.validationContextSdsSecretConfig),
    };
  } else if (common?.combinedValidationContext !== undefined) {
    const combined = common.combinedValidationContext;
    const base = join(path, "combined_validation_context");
    if (combined.validationContextSdsSecretConfig === undefined) {
      at.fail(
        Code.missingField,
        join(base, "validation_context_sds_secret_config"),
        "a combined validation context needs its SDS secret",
      );
    }
    validation = {
      given: buildValidation(
        at,
        join(base, "default_validation_context"),
        combined.defaultValidationContext ?? { matchTypedSubjectAltNames: [], matchSubjectAltNames: [] },
        false,
      ),
      sds: sdsName(at, join(base, "validation_context_sds_secret_config"), combined.validationContextSdsSecretConfig),
    };
  }

  const params = common?.tlsParams;
  const minVersion = tlsVersion(
    at,
    join(path, "tls_params.tls_minimum_protocol_version"),
    params?.tlsMinimumProtocolVersion,
  );
  const maxVersion = tlsVersion(
    at,
    join(path, "tls_params.tls_maximum_protocol_version"),
    params?.tlsMaximumProtocolVersion,
  );
  if (minVersion !== undefined && maxVersion !== undefined && minVersion > maxVersion) {
    at.fail(
      Code.invalidValue,
      join(path, "tls_params"),
      `the minimum version ${minVersion} is above the maximum ${maxVersion}`,
    );
  }
  return {
    side,
    certificate,
    validation,
    alpn: Object.freeze([...(common?.alpnProtocols ?? [])]),
    minVersion,
    maxVersion,
    ciphers: params === undefined || params.cipherSuites.length === 0 ? undefined : params.cipherSuites.join(":"),
    ecdhCurve: params === undefined || params.ecdhCurves.length === 0 ? undefined : params.ecdhCurves.join(":"),
  };
}

const VERSIONS: Readonly<Partial<Record<TlsParameters_TlsProtocol, SecureVersion>>> = {
  [TlsParameters_TlsProtocol.TLSv1_0]: "TLSv1",
  [TlsParameters_TlsProtocol.TLSv1_1]: "TLSv1.1",
  [TlsParameters_TlsProtocol.TLSv1_2]: "TLSv1.2",
  [TlsParameters_TlsProtocol.TLSv1_3]: "TLSv1.3",
};

function tlsVersion(
  at: Cursor,
  field: string,
  value: TlsParameters_TlsProtocol | undefined,
): SecureVersion | undefined {
  if (value === undefined || value === TlsParameters_TlsProtocol.TLS_AUTO) return undefined;
  const version = VERSIONS[value];
  if (version === undefined) at.fail(Code.invalidValue, field, `unknown TLS version ${String(value)}`);
  return version;
}

function sdsName(at: Cursor, field: string, config: SdsSecretConfig): string {
  if (config.name === "") at.fail(Code.missingField, join(field, "name"), "a secret name is required");
  requireAds(at, join(field, "sds_config"), config.sdsConfig);
  return config.name;
}

function buildCertificate(at: Cursor, field: string, certificate: TlsCertificate): RuntimeCertificate {
  return Object.freeze({
    chain: dataSource(at, join(field, "certificate_chain"), certificate.certificateChain),
    key: dataSource(at, join(field, "private_key"), certificate.privateKey),
  });
}

function dataSource(at: Cursor, field: string, source: DataSource | undefined): RuntimeDataSource {
  if (source?.filename !== undefined && source.filename !== "") return { filename: source.filename };
  if (source?.inlineBytes !== undefined && source.inlineBytes.length > 0)
    return { inline: Buffer.from(source.inlineBytes) };
  if (source?.inlineString !== undefined && source.inlineString !== "")
    return { inline: Buffer.from(source.inlineString) };
  if (source?.environmentVariable !== undefined && source.environmentVariable !== "") {
    return { environmentVariable: source.environmentVariable };
  }
  return at.fail(Code.missingField, field, "give filename, inline_bytes, inline_string or environment_variable");
}

const SAN_TYPES: Readonly<Partial<Record<SubjectAltNameMatcher_SanType, SanType>>> = {
  [SubjectAltNameMatcher_SanType.DNS]: "DNS",
  [SubjectAltNameMatcher_SanType.URI]: "URI",
  [SubjectAltNameMatcher_SanType.EMAIL]: "EMAIL",
  [SubjectAltNameMatcher_SanType.IP_ADDRESS]: "IP_ADDRESS",
};

function buildSanMatcher(at: Cursor, field: string, matcher: SubjectAltNameMatcher): RuntimeSanMatcher {
  const type = SAN_TYPES[matcher.sanType];
  if (type === undefined) {
    at.fail(
      Code.invalidValue,
      join(field, "san_type"),
      `${SubjectAltNameMatcher_SanType[matcher.sanType] ?? String(matcher.sanType)} is not supported (DNS, URI, EMAIL, IP_ADDRESS)`,
    );
  }
  const string = matcher.matcher;
  if (
    string === undefined ||
    (string.exact === undefined &&
      string.prefix === undefined &&
      string.suffix === undefined &&
      string.contains === undefined &&
      string.safeRegex === undefined)
  ) {
    at.fail(Code.missingField, join(field, "matcher"), "a string matcher is required");
  }
  return Object.freeze({ type, matches: compileStringMatcher(string) });
}

const ANY_SAN_TYPE: readonly SanType[] = ["DNS", "URI", "EMAIL", "IP_ADDRESS"];

/**
 * One entry of the deprecated match_subject_alt_names, which names no SAN type: as Envoy does, it
 * stands for one matcher per SAN type, so a SAN of any type may meet it.
 */
function buildUntypedSanMatchers(at: Cursor, field: string, matcher: StringMatcher): RuntimeSanMatcher[] {
  if (
    matcher.exact === undefined &&
    matcher.prefix === undefined &&
    matcher.suffix === undefined &&
    matcher.contains === undefined &&
    matcher.safeRegex === undefined
  ) {
    at.fail(Code.missingField, field, "a string matcher needs exact, prefix, suffix, contains or safe_regex");
  }
  const matches = compileStringMatcher(matcher);
  return ANY_SAN_TYPE.map((type) => Object.freeze({ type, matches }));
}

/**
 * A validation context. `needsRoots`: SAN matching without trusted roots would trust any
 * self-signed certificate that names the right SAN, so (as Envoy does) it is refused; a combined
 * context takes its roots from its secret instead.
 */
function buildValidation(
  at: Cursor,
  field: string,
  context: CertificateValidationContext,
  needsRoots: boolean,
): RuntimeValidation {
  if (context.caCertificateProviderInstance !== undefined) {
    at.fail(
      Code.unsupportedFeature,
      join(field, "ca_certificate_provider_instance"),
      "certificate provider instances are for gRPC clients; give trusted_ca",
    );
  }
  const trustedCa =
    context.trustedCa === undefined ? undefined : dataSource(at, join(field, "trusted_ca"), context.trustedCa);
  const typed = context.matchTypedSubjectAltNames;
  const untyped = context.matchSubjectAltNames;
  if (typed.length > 0 && untyped.length > 0) {
    // Envoy refuses the two lists together rather than choosing one.
    at.fail(
      Code.invalidValue,
      join(field, "match_subject_alt_names"),
      "give match_typed_subject_alt_names or the deprecated match_subject_alt_names, not both",
    );
  }
  const sanMatchers = Object.freeze([
    ...typed.map((m, i) => buildSanMatcher(at, join(field, `match_typed_subject_alt_names[${i}]`), m)),
    ...untyped.flatMap((m, i) => buildUntypedSanMatchers(at, join(field, `match_subject_alt_names[${i}]`), m)),
  ]);
  if (needsRoots && trustedCa === undefined) {
    at.fail(
      Code.missingField,
      join(field, "trusted_ca"),
      "a validation context needs trusted_ca (the roots to verify the peer against)",
    );
  }
  return Object.freeze({ trustedCa, sanMatchers });
}

/** An SDS Secret resource: a TLS certificate or a validation context (other kinds are refused). */
export function buildSecret(secret: Secret): RuntimeSecret {
  const at = new Cursor("secret", secret.name);
  if (secret.name === "") at.fail(Code.missingField, "name", "a name is required");
  if (secret.tlsCertificate !== undefined) {
    return Object.freeze({
      name: secret.name,
      certificate: buildCertificate(at, "tls_certificate", secret.tlsCertificate),
      validation: undefined,
    });
  }
  if (secret.validationContext !== undefined) {
    return Object.freeze({
      name: secret.name,
      certificate: undefined,
      validation: buildValidation(at, "validation_context", secret.validationContext, true),
    });
  }
  return at.fail(Code.missingField, "type", "a secret needs tls_certificate or validation_context");
}

// The TLS transport socket (envoy.transport_sockets.tls) of a listener's filter chain or of a
// cluster: the checks Envoy applies to a DownstreamTlsContext or UpstreamTlsContext, narrowed to
// what Weft's proxy runs. Certificates come inline, from files or environment variables on the
// proxy's machine, or by name over SDS (the mesh's `default` and `ROOTCA`).
import type { DataSource, TransportSocket } from "../../../proto/gen/envoy/config/core/v3/base.js";
import {
  type CertificateValidationContext,
  SubjectAltNameMatcher_SanType,
  type TlsCertificate,
} from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/common.js";
import type { SdsSecretConfig } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/secret.js";
import type {
  CommonTlsContext,
  DownstreamTlsContext,
  UpstreamTlsContext,
} from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/tls.js";
import { checkConfigSource } from "./core-checks.js";
import { checkStringMatcher } from "./matcher-checks.js";
import { field, item, type Problems, unpackRequired } from "./problems.js";
import { ValidationCode } from "./validation-codes.js";

const DOWNSTREAM = "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
const UPSTREAM = "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
const RAW_BUFFER = "envoy.transport_sockets.raw_buffer";

/** Whether the transport socket is TLS (as opposed to absent or raw_buffer); problems are recorded at `path`. */
export function checkTransportSocket(
  problems: Problems,
  path: string,
  socket: TransportSocket,
  side: "downstream" | "upstream",
): boolean {
  if (socket.typedConfig === undefined && socket.name === RAW_BUFFER) return false;
  const configPath = field(path, "typed_config");
  if (side === "downstream") {
    const context = unpackRequired<DownstreamTlsContext>(problems, configPath, socket.typedConfig, DOWNSTREAM);
    if (context === undefined) return true;
    const common = field(configPath, "common_tls_context");
    const counts = checkCommon(problems, common, context.commonTlsContext);
    if (counts.certificates === 0) {
      problems.add(
        field(common, "tls_certificates"),
        ValidationCode.required,
        "a listener's TLS context needs a certificate (tls_certificates or tls_certificate_sds_secret_configs)",
      );
    }
    if (context.requireClientCertificate === true && !counts.validation) {
      problems.add(
        field(common, "validation_context"),
        ValidationCode.required,
        "require_client_certificate needs a validation context with trusted_ca",
      );
    }
    return true;
  }
  const context = unpackRequired<UpstreamTlsContext>(problems, configPath, socket.typedConfig, UPSTREAM);
  if (context === undefined) return true;
  checkCommon(problems, field(configPath, "common_tls_context"), context.commonTlsContext);
  if (Buffer.byteLength(context.sni) > 255) {
    problems.add(field(configPath, "sni"), ValidationCode.outOfRange, "sni is at most 255 bytes");
  }
  return true;
}

function checkCommon(
  problems: Problems,
  path: string,
  common: CommonTlsContext | undefined,
): { certificates: number; validation: boolean } {
  if (common === undefined) return { certificates: 0, validation: false };
  if (common.tlsCertificateProviderInstance !== undefined) {
    problems.add(
      field(path, "tls_certificate_provider_instance"),
      ValidationCode.unsupported,
      "certificate provider instances are read by gRPC clients only; Weft's proxy takes tls_certificates or tls_certificate_sds_secret_configs",
    );
  }
  const certificates = common.tlsCertificates.length + common.tlsCertificateSdsSecretConfigs.length;
  if (certificates > 1) {
    problems.add(
      field(path, "tls_certificates"),
      ValidationCode.unsupported,
      "one certificate only (choosing among several by the client's key types is not supported)",
    );
  }
  common.tlsCertificates.forEach((certificate, i) => {
    checkCertificate(problems, item(field(path, "tls_certificates"), i), certificate);
  });
  common.tlsCertificateSdsSecretConfigs.forEach((config, i) => {
    checkSds(problems, item(field(path, "tls_certificate_sds_secret_configs"), i), config);
  });
  let validation = false;
  if (common.validationContext !== undefined) {
    validation = true;
    checkValidation(problems, field(path, "validation_context"), common.validationContext, true);
  } else if (common.validationContextSdsSecretConfig !== undefined) {
    validation = true;
    checkSds(problems, field(path, "validation_context_sds_secret_config"), common.validationContextSdsSecretConfig);
  } else if (common.combinedValidationContext !== undefined) {
    validation = true;
    const combined = common.combinedValidationContext;
    const base = field(path, "combined_validation_context");
    if (combined.validationContextSdsSecretConfig === undefined) {
      problems.add(
        field(base, "validation_context_sds_secret_config"),
        ValidationCode.required,
        "the SDS secret is required",
      );
    } else {
      checkSds(
        problems,
        field(base, "validation_context_sds_secret_config"),
        combined.validationContextSdsSecretConfig,
      );
    }
    if (combined.defaultValidationContext !== undefined) {
      checkValidation(problems, field(base, "default_validation_context"), combined.defaultValidationContext, false);
    }
  }
  const params = common.tlsParams;
  if (
    params !== undefined &&
    params.tlsMinimumProtocolVersion !== 0 &&
    params.tlsMaximumProtocolVersion !== 0 &&
    params.tlsMinimumProtocolVersion > params.tlsMaximumProtocolVersion
  ) {
    problems.add(field(path, "tls_params"), ValidationCode.badValue, "the minimum TLS version is above the maximum");
  }
  return { certificates, validation };
}

function checkSds(problems: Problems, path: string, config: SdsSecretConfig): void {
  if (config.name === "") problems.add(field(path, "name"), ValidationCode.required, "a secret name is required");
  checkConfigSource(problems, field(path, "sds_config"), config.sdsConfig);
}

function checkCertificate(problems: Problems, path: string, certificate: TlsCertificate): void {
  checkDataSource(problems, field(path, "certificate_chain"), certificate.certificateChain);
  checkDataSource(problems, field(path, "private_key"), certificate.privateKey);
}

function checkDataSource(problems: Problems, path: string, source: DataSource | undefined): void {
  const given =
    (source?.filename ?? "") !== "" ||
    (source?.inlineBytes?.length ?? 0) > 0 ||
    (source?.inlineString ?? "") !== "" ||
    (source?.environmentVariable ?? "") !== "";
  if (!given) {
    problems.add(path, ValidationCode.required, "give filename, inline_bytes, inline_string or environment_variable");
  }
}

function checkValidation(
  problems: Problems,
  path: string,
  context: CertificateValidationContext,
  needsRoots: boolean,
): void {
  if (context.caCertificateProviderInstance !== undefined) {
    problems.add(
      field(path, "ca_certificate_provider_instance"),
      ValidationCode.unsupported,
      "certificate provider instances are read by gRPC clients only; give trusted_ca",
    );
  }
  if (context.trustedCa !== undefined) checkDataSource(problems, field(path, "trusted_ca"), context.trustedCa);
  else if (needsRoots) {
    problems.add(
      field(path, "trusted_ca"),
      ValidationCode.required,
      "a validation context needs trusted_ca: matching SANs without verifying the chain would trust any self-signed certificate",
    );
  }
  context.matchTypedSubjectAltNames.forEach((matcher, i) => {
    const at = item(field(path, "match_typed_subject_alt_names"), i);
    if (
      matcher.sanType === SubjectAltNameMatcher_SanType.SAN_TYPE_UNSPECIFIED ||
      matcher.sanType === SubjectAltNameMatcher_SanType.OTHER_NAME
    ) {
      problems.add(field(at, "san_type"), ValidationCode.unsupported, "san_type must be DNS, URI, EMAIL or IP_ADDRESS");
    }
    if (matcher.matcher === undefined)
      problems.add(field(at, "matcher"), ValidationCode.required, "a string matcher is required");
    else checkStringMatcher(problems, field(at, "matcher"), matcher.matcher);
  });
  // The deprecated untyped list (what gRPC's xDS clients read): each matcher is tried against SANs
  // of every type. Envoy refuses it next to the typed list, though the field's comment says it is
  // ignored then (docs/security.md, "SAN matchers").
  const legacy = field(path, "match_subject_alt_names");
  if (context.matchSubjectAltNames.length > 0 && context.matchTypedSubjectAltNames.length > 0) {
    problems.add(
      legacy,
      ValidationCode.conflict,
      "give match_typed_subject_alt_names or the deprecated match_subject_alt_names, not both",
    );
  }
  context.matchSubjectAltNames.forEach((matcher, i) => {
    checkStringMatcher(problems, item(legacy, i), matcher);
  });
}

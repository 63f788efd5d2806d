// A workload's identity: the SPIFFE ID `spiffe://TRUST_DOMAIN/service/NAME`, carried as the only
// URI SAN of its certificate. Both parts are checked here, once, for every way in: the trust
// domain is a lower-case DNS name (SPIFFE trust domains are lower case; a DNS name keeps it
// printable in flags and logs), the service a DNS-1123 label (Kubernetes' Service name rule,
// which the mesh layer's Service names follow).
import { X509Certificate } from "node:crypto";
import { ErrorCode, WeftError } from "../errors.js";

export const DEFAULT_TRUST_DOMAIN = "weft.local";

export interface SpiffeId {
  readonly trustDomain: string;
  readonly service: string;
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const SPIFFE_PREFIX = "spiffe://";
const SERVICE_SEGMENT = "/service/";

/** Why `trustDomain` is not a lower-case DNS name, or undefined if it is one. */
function trustDomainProblem(trustDomain: string): string | undefined {
  if (trustDomain.length === 0) return "must not be empty";
  if (trustDomain.length > 253) return "must be at most 253 characters";
  if (!trustDomain.split(".").every((label) => DNS_LABEL.test(label))) {
    return "must be a lower-case DNS name: labels of a-z, 0-9 and '-', 1 to 63 characters, joined by '.'";
  }
  return undefined;
}

/** Why `service` is not a DNS-1123 label, or undefined if it is one. */
function serviceProblem(service: string): string | undefined {
  if (service.length === 0) return "must not be empty";
  if (!DNS_LABEL.test(service)) {
    return "must be a DNS-1123 label: 1 to 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit";
  }
  return undefined;
}

function invalid(path: string, value: string, problem: string): WeftError {
  return new WeftError(ErrorCode.invalidIdentity, `${path} ${JSON.stringify(value)} ${problem}`, {
    details: [{ path, message: problem }],
  });
}

/** Throws WEFT_INVALID_IDENTITY (path `path`) unless `trustDomain` is a lower-case DNS name. */
export function checkTrustDomain(trustDomain: string, path = "trustDomain"): string {
  const problem = trustDomainProblem(trustDomain);
  if (problem !== undefined) throw invalid(path, trustDomain, problem);
  return trustDomain;
}

/** Throws WEFT_INVALID_IDENTITY (path `path`) unless `service` is a DNS-1123 label. */
export function checkService(service: string, path = "service"): string {
  const problem = serviceProblem(service);
  if (problem !== undefined) throw invalid(path, service, problem);
  return service;
}

/** `spiffe://TRUST_DOMAIN/service/NAME`; WEFT_INVALID_IDENTITY naming the field that is wrong. */
export function spiffeIdOf(trustDomain: string, service: string): string {
  checkTrustDomain(trustDomain);
  checkService(service);
  return `${SPIFFE_PREFIX}${trustDomain}${SERVICE_SEGMENT}${service}`;
}

/** The path of the control plane's own identity: outside `/service/`, so no workload is ever given it. */
export const CONTROL_PLANE_PATH = "/control-plane";

/** `spiffe://TRUST_DOMAIN/control-plane`: the identity of the TLS xDS port's serving certificate. */
export function controlPlaneSpiffeId(trustDomain: string): string {
  checkTrustDomain(trustDomain);
  return `${SPIFFE_PREFIX}${trustDomain}${CONTROL_PLANE_PATH}`;
}

/** Whether `uri` is a control plane's identity in some trust domain (`spiffe://DOMAIN/control-plane`). */
export function isControlPlaneSpiffeId(uri: string): boolean {
  if (!uri.startsWith(SPIFFE_PREFIX) || !uri.endsWith(CONTROL_PLANE_PATH)) return false;
  const trustDomain = uri.slice(SPIFFE_PREFIX.length, uri.length - CONTROL_PLANE_PATH.length);
  return trustDomainProblem(trustDomain) === undefined;
}

/**
 * The trust domain and service of a Weft SPIFFE ID. Only the exact shape `spiffeIdOf` writes is
 * accepted (no port, user, query, fragment, trailing slash or other path), so a parsed identity
 * always prints back to the same string: WEFT_INVALID_IDENTITY otherwise, path `path`.
 */
export function parseSpiffeId(uri: string, path = "uri"): SpiffeId {
  const shape = `must be ${SPIFFE_PREFIX}TRUST_DOMAIN${SERVICE_SEGMENT}NAME`;
  if (!uri.startsWith(SPIFFE_PREFIX)) throw invalid(path, uri, shape);
  const rest = uri.slice(SPIFFE_PREFIX.length);
  const slash = rest.indexOf("/");
  if (slash < 0 || !rest.startsWith(SERVICE_SEGMENT, slash)) throw invalid(path, uri, shape);
  const trustDomain = rest.slice(0, slash);
  const service = rest.slice(slash + SERVICE_SEGMENT.length);
  const trustDomainWrong = trustDomainProblem(trustDomain);
  if (trustDomainWrong !== undefined) throw invalid(path, uri, `has a trust domain that ${trustDomainWrong}`);
  const serviceWrong = serviceProblem(service);
  if (serviceWrong !== undefined) throw invalid(path, uri, `has a service name that ${serviceWrong}`);
  return { trustDomain, service };
}

/** The SPIFFE ID in a certificate's URI SAN (PEM or parsed), unchecked; undefined when it has none. */
export function spiffeIdOfCertificate(cert: string | X509Certificate): string | undefined {
  const san = (typeof cert === "string" ? new X509Certificate(cert) : cert).subjectAltName ?? "";
  return /URI:(spiffe:\/\/[^,\s]+)/.exec(san)?.[1];
}

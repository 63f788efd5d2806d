// The mesh's certificate authority: it holds a signing certificate and key (a root it generated,
// or an operator's intermediate) and issues short-lived workload certificates for SPIFFE IDs.
// The identity of a certificate comes only from the caller (`service`, which the caller has
// proved with a join token); the CSR contributes its public key and nothing else.

import { webcrypto } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ErrorCode, WeftError } from "../errors.js";
import { publicKeyOfCsr } from "./csr.js";
import { checkDuration, DEFAULT_LEAF_TTL_MS, leafValidity, rotationTime } from "./leaf-validity.js";
import { loadSigningMaterial, type SigningMaterial } from "./signing-material.js";
import { checkTrustDomain, controlPlaneSpiffeId, spiffeIdOf } from "./spiffe-id.js";
import { x509 } from "./x509.js";

/** A generated root's default lifetime: ten years, as Istio's self-signed root. */
export const DEFAULT_ROOT_VALIDITY_MS = 10 * 365 * 24 * 60 * 60 * 1000;

/**
 * What a CA is persisted as (the store will keep it, so every replica signs with the same key).
 * Secret: `keyPem` is the CA's private key.
 */
export interface CaMaterial {
  readonly trustDomain: string;
  /** PEM: the signing certificate first, then each issuer up to and including the self-signed root. */
  readonly certChainPem: string;
  /** PEM: the signing certificate's private key, PKCS#8. */
  readonly keyPem: string;
}

export interface GenerateOptions {
  readonly trustDomain: string;
  /** Milliseconds since the epoch; the system clock's by default. */
  readonly now?: number;
  readonly validityMs?: number;
}

export interface FromFilesOptions {
  readonly trustDomain: string;
  /** PEM file: the operator's CA certificate first, then its issuers up to the root. */
  readonly certChainFile: string;
  /** PEM file: the private key of the operator's CA certificate. */
  readonly keyFile: string;
  readonly now?: number;
}

export interface SignRequest {
  /** The workload's PKCS#10 request: only its public key is used. */
  readonly csrPem: string;
  /** The service the caller proved; the certificate's only identity. */
  readonly service: string;
  /** Lifetime; DEFAULT_LEAF_TTL_MS if not given, never past the CA's own expiry. */
  readonly ttlMs?: number;
  readonly now?: number;
}

/** What `signControlPlane` is asked for: the names the serving certificate carries beside its SPIFFE ID. */
export interface ControlPlaneSignRequest {
  /** The CSR of the key the control plane made for itself: only its public key is used. */
  readonly csrPem: string;
  readonly dnsNames: readonly string[];
  /** IPv4 or IPv6 literals, without brackets. */
  readonly ipAddresses: readonly string[];
  readonly ttlMs?: number;
  readonly now?: number;
}

export interface IssuedCertificate {
  readonly spiffeId: string;
  /** Hexadecimal, as X.509 tools print it. */
  readonly serialNumber: string;
  /** The workload certificate alone. */
  readonly certPem: string;
  /** What the workload presents in TLS: its certificate, then the CA's chain without the root. */
  readonly chainPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** When the holder should have a new certificate (half-life; see rotationTime). */
  readonly rotateAt: Date;
}

/**
 * A random positive serial of 127 bits (RFC 5280 allows up to 20 octets; CA/Browser Forum rules
 * ask for at least 64 random bits). The first octet's top bit is clear and the octet is not 0, so
 * the DER integer is positive and minimally encoded.
 */
function randomSerialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f || 0x01;
  return Buffer.from(bytes).toString("hex");
}

export class CertificateAuthority {
  readonly trustDomain: string;
  readonly #material: SigningMaterial;
  /** The earliest expiry along the chain: no certificate it issues may outlive it. */
  readonly #notAfter: Date;

  private constructor(trustDomain: string, material: SigningMaterial) {
    this.trustDomain = trustDomain;
    this.#material = material;
    this.#notAfter = new Date(Math.min(...material.chain.map((cert) => cert.notAfter.getTime())));
  }

  /** A new self-signed root (ECDSA P-256), valid from the skew allowance before `now`. */
  static async generate(options: GenerateOptions): Promise<CertificateAuthority> {
    const trustDomain = checkTrustDomain(options.trustDomain);
    const validityMs = checkDuration(options.validityMs ?? DEFAULT_ROOT_VALIDITY_MS, "validityMs");
    const now = options.now ?? Date.now();
    const keys = (await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ])) as webcrypto.CryptoKeyPair;
    const validity = leafValidity(now, validityMs, new Date(now + validityMs));
    const root = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerialNumber(),
      name: [{ O: ["Weft"] }, { CN: [`weft root CA ${trustDomain}`] }],
      notBefore: validity.notBefore,
      notAfter: validity.notAfter,
      keys,
      signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } as webcrypto.EcdsaParams,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
    return CertificateAuthority.fromMaterial(
      {
        trustDomain,
        certChainPem: root.toString("pem"),
        keyPem: x509.PemConverter.encode(pkcs8, x509.PemConverter.PrivateKeyTag),
      },
      { now },
    );
  }

  /** A CA from what `toMaterial` returned (or an operator's PEM): WEFT_CA_INVALID if it cannot sign. */
  static async fromMaterial(material: CaMaterial, options: { now?: number } = {}): Promise<CertificateAuthority> {
    const trustDomain = checkTrustDomain(material.trustDomain);
    const loaded = await loadSigningMaterial({
      certChainPem: material.certChainPem,
      keyPem: material.keyPem,
      certPath: "certChainPem",
      keyPath: "keyPem",
      now: options.now ?? Date.now(),
    });
    return new CertificateAuthority(trustDomain, loaded);
  }

  /**
   * An operator's CA (Istio's "plug-in CA"): an intermediate whose root the operator keeps, so the
   * mesh's certificates chain to the organisation's PKI. The key must be the certificate's, the
   * certificate a CA allowed to sign certificates, and the chain must end at a self-signed root:
   * WEFT_CA_INVALID otherwise, with details naming `certChainFile[i]` or `keyFile`.
   */
  static async fromFiles(options: FromFilesOptions): Promise<CertificateAuthority> {
    const trustDomain = checkTrustDomain(options.trustDomain);
    const read = async (file: string, path: string): Promise<string> => {
      try {
        return await readFile(file, "utf8");
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
        throw new WeftError(ErrorCode.caInvalid, `${path} ${file} cannot be read (${reason})`, {
          details: [{ path, message: `${file} cannot be read (${reason})` }],
          cause: error,
        });
      }
    };
    const loaded = await loadSigningMaterial({
      certChainPem: await read(options.certChainFile, "certChainFile"),
      keyPem: await read(options.keyFile, "keyFile"),
      certPath: "certChainFile",
      keyPath: "keyFile",
      now: options.now ?? Date.now(),
    });
    return new CertificateAuthority(trustDomain, loaded);
  }

  /** The CA as it is persisted; `fromMaterial` reads it back. Holds the private key. */
  toMaterial(): CaMaterial {
    return {
      trustDomain: this.trustDomain,
      certChainPem: this.chainPems().join("\n"),
      keyPem: this.#material.keyPkcs8Pem,
    };
  }

  /** The CA's chain, one PEM certificate each: its signing certificate first, the root last. */
  chainPems(): string[] {
    return this.#material.chain.map((cert) => cert.toString("pem"));
  }

  /** The root every workload trusts (Envoy's and Istio's ROOTCA): the last certificate of the chain. */
  trustBundlePem(): string {
    const root = this.#material.chain.at(-1);
    if (root === undefined) throw new WeftError(ErrorCode.internal, "a CA without a certificate");
    return root.toString("pem");
  }

  /** When the CA stops being able to issue certificates (the earliest expiry along its chain). */
  get notAfter(): Date {
    return this.#notAfter;
  }

  /**
   * A workload certificate for `service` alone: its URI SAN is `spiffe://TRUST_DOMAIN/service/NAME`
   * whatever the CSR asks for (the CSR's subject, SANs and extensions are ignored). The CSR must
   * verify and hold an ECDSA P-256 or RSA >= 2048 key (WEFT_INVALID_CSR, WEFT_CSR_KEY_UNSUPPORTED);
   * `service` must be a DNS-1123 label (WEFT_INVALID_IDENTITY); `ttlMs` a positive integer
   * (WEFT_BAD_REQUEST). A CA past its expiry issues nothing (WEFT_CA_INVALID).
   */
  async sign(request: SignRequest): Promise<IssuedCertificate> {
    const spiffeId = spiffeIdOf(this.trustDomain, request.service);
    return this.#issue(spiffeId, [{ type: "url", value: spiffeId }], request);
  }

  /**
   * The control plane's own serving certificate for the TLS xDS port: the URI SAN
   * `spiffe://TRUST_DOMAIN/control-plane` (controlPlaneSpiffeId, a path no workload can be given),
   * and the DNS names and IP addresses clients that check host names may dial. Checked and
   * limited as `sign` (the CSR's own names are ignored here too).
   */
  async signControlPlane(request: ControlPlaneSignRequest): Promise<IssuedCertificate> {
    const spiffeId = controlPlaneSpiffeId(this.trustDomain);
    const names: x509.JsonGeneralName[] = [
      { type: "url", value: spiffeId },
      ...request.dnsNames.map((value): x509.JsonGeneralName => ({ type: "dns", value })),
      ...request.ipAddresses.map((value): x509.JsonGeneralName => ({ type: "ip", value })),
    ];
    return this.#issue(spiffeId, names, request);
  }

  async #issue(
    spiffeId: string,
    names: x509.JsonGeneralName[],
    request: { readonly csrPem: string; readonly ttlMs?: number | undefined; readonly now?: number | undefined },
  ): Promise<IssuedCertificate> {
    const ttlMs = checkDuration(request.ttlMs ?? DEFAULT_LEAF_TTL_MS, "ttlMs");
    const now = request.now ?? Date.now();
    if (now >= this.#notAfter.getTime()) {
      throw new WeftError(ErrorCode.caInvalid, `the CA expired at ${this.#notAfter.toISOString()}`, {
        details: [{ path: "certChainPem", message: `expired at ${this.#notAfter.toISOString()}` }],
      });
    }
    const publicKey = await publicKeyOfCsr(request.csrPem);
    const signing = this.#material.chain[0];
    if (signing === undefined) throw new WeftError(ErrorCode.internal, "a CA without a certificate");
    const signingKeyId = signing.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    const validity = leafValidity(now, ttlMs, this.#notAfter);
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerialNumber(),
      // An empty subject: the identity is the SAN alone, which RFC 5280 then requires be critical.
      subject: [],
      issuer: signing.subjectName,
      notBefore: validity.notBefore,
      notAfter: validity.notAfter,
      publicKey,
      signingKey: this.#material.signingKey,
      signingAlgorithm: this.#material.algorithm.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension(names, true),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
        signingKeyId === undefined
          ? await x509.AuthorityKeyIdentifierExtension.create(signing.publicKey)
          : new x509.AuthorityKeyIdentifierExtension(signingKeyId),
      ],
    });
    const certPem = leaf.toString("pem");
    // Peers hold the root already (the trust bundle); the certificates between it and the leaf go along.
    const intermediates = this.#material.chain.slice(0, -1).map((cert) => cert.toString("pem"));
    return {
      spiffeId,
      serialNumber: leaf.serialNumber,
      certPem,
      chainPem: [certPem, ...intermediates].join("\n"),
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
      rotateAt: rotationTime(leaf.notBefore, leaf.notAfter),
    };
  }
}

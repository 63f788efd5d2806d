// GET /v1/ca: the mesh's certificate authority as operators and workloads check it: the trust
// domain, where the CA came from, the root certificate every workload trusts and its fingerprint.
// Nothing secret: the key never leaves the control plane.
import { rootFingerprint } from "../../ca/index.js";
import { ErrorCode, WeftError } from "../../errors.js";
import type { ApiApp, ApiContext } from "../api-context.js";
import { CaResponse, ERROR_RESPONSES } from "../schemas.js";

export function registerCaRoutes(app: ApiApp, context: ApiContext): void {
  // The fingerprint is the same for the life of the process: computed once.
  const fingerprint = context.ca === undefined ? undefined : rootFingerprint(context.ca.ca);
  app.get(
    "/v1/ca",
    {
      schema: {
        summary: "The certificate authority: trust domain, source, root certificate (the trust bundle)",
        tags: ["security"],
        response: { 200: CaResponse, ...ERROR_RESPONSES },
      },
    },
    async (): Promise<CaResponse> => {
      const mesh = context.ca;
      if (mesh === undefined || fingerprint === undefined) {
        throw new WeftError(ErrorCode.notFound, "this control plane has no certificate authority");
      }
      return {
        trustDomain: mesh.ca.trustDomain,
        source: mesh.source,
        rootCertificate: mesh.ca.trustBundlePem(),
        rootSha256: fingerprint,
        notAfter: mesh.ca.notAfter.toISOString(),
      };
    },
  );
}

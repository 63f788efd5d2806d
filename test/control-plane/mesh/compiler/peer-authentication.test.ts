// PeerAuthentication: a Service's mTLS mode (its own document, else the mesh-wide one, else the
// flag; UNSET inherits), what the kind refuses with its field path, conflicts reported as compile
// issues, and the mode reaching the Service's inbound listener and its callers' clusters.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ErrorCode, ValidationCode, WeftError } from "../../../../control-plane/src/errors.js";
import type { CompileIssue } from "../../../../control-plane/src/mesh/compiler/index.js";
import {
  callsWithMtls,
  INBOUND_LISTENER,
  type MeshSecurity,
  modeOf,
  peerAuthenticationIssues,
} from "../../../../control-plane/src/mesh/compiler/index.js";
import { MESH_KINDS, parseMeshDocument } from "../../../../control-plane/src/mesh/index.js";
import { MeshCompilation } from "../../../../control-plane/src/snapshot/mesh-compilation.js";
import type { SidecarNode } from "../../../../control-plane/src/snapshot/sidecar-node.js";
import { KINDS } from "../../../../proto/index.js";
import { type Doc, service, workloadEntry } from "../mesh-documents.js";
import { stateOf } from "./both-planes.js";

function peerAuthentication(name: string, spec: Doc): Doc {
  return { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name }, spec };
}
const strict = (name: string, target?: string) =>
  peerAuthentication(name, {
    ...(target === undefined ? {} : { targetRefs: [{ kind: "Service", name: target }] }),
    mtls: { mode: "STRICT" },
  });

function refusal(doc: Doc): [string, string | undefined][] {
  try {
    parseMeshDocument("peerauthentications", doc);
  } catch (error) {
    assert.ok(error instanceof WeftError);
    assert.equal(error.code, ErrorCode.invalidResource);
    return error.details.map((d) => [d.path, d.code]);
  }
  assert.fail("the document was accepted");
}

const PERMISSIVE: MeshSecurity = { trustDomain: "weft.local", mode: "PERMISSIVE" };

describe("PeerAuthentication", () => {
  test("a Service's own document decides its mode, then the mesh-wide one, then the flag; UNSET inherits", () => {
    const services = [service("catalog"), service("web"), service("pricing")];
    const state = stateOf(
      ...services,
      strict("catalog", "catalog"),
      peerAuthentication("mesh", { mtls: { mode: "DISABLE" } }),
      peerAuthentication("pricing", { selector: { matchLabels: { app: "pricing" } }, mtls: { mode: "UNSET" } }),
    );
    assert.equal(modeOf(PERMISSIVE, state, "catalog"), "STRICT");
    assert.equal(modeOf(PERMISSIVE, state, "web"), "DISABLE", "the mesh-wide document over the flag");
    assert.equal(modeOf(PERMISSIVE, state, "pricing"), "DISABLE", "UNSET inherits the mesh-wide mode");
    assert.equal(modeOf(PERMISSIVE, stateOf(...services), "web"), "PERMISSIVE", "no document: the flag");
    const bySelector = stateOf(
      ...services,
      peerAuthentication("web", { selector: { matchLabels: { app: "web" } }, mtls: { mode: "STRICT" } }),
    );
    assert.equal(modeOf(PERMISSIVE, bySelector, "web"), "STRICT");
    assert.equal(modeOf(PERMISSIVE, bySelector, "catalog"), "PERMISSIVE");
  });

  test("callers speak mTLS to a Service made STRICT by its document, and not to one made DISABLE, whatever the flag", () => {
    const proven = workloadEntry("catalog-1");
    (proven.metadata as Doc).annotations = { "weft.dev/identity": "catalog" };
    const base = [service("catalog"), proven];
    assert.equal(callsWithMtls(PERMISSIVE, stateOf(...base), "catalog"), true, "PERMISSIVE, every instance proven");
    const disabled = stateOf(
      ...base,
      peerAuthentication("off", { targetRef: { kind: "Service", name: "catalog" }, mtls: { mode: "DISABLE" } }),
    );
    assert.equal(callsWithMtls(PERMISSIVE, disabled, "catalog"), false);
    const noMtls: MeshSecurity = { trustDomain: "weft.local", mode: "DISABLE" };
    assert.equal(callsWithMtls(noMtls, stateOf(service("catalog"), strict("on", "catalog")), "catalog"), true);
  });

  test("the Service's sidecar compiles its inbound listener in the Service's mode", () => {
    const node: SidecarNode = {
      service: "catalog",
      depends: [],
      outbound: { host: "127.0.0.1", port: 15001 },
      inbound: { listen: { host: "127.0.0.1", port: 15006 }, app: { host: "127.0.0.1", port: 3000 } },
      appProtocol: undefined,
      upstreams: [],
      mtls: true,
      warnings: [],
    };
    const chains = (state: ReturnType<typeof stateOf>) => {
      const listener = new MeshCompilation(state, undefined, PERMISSIVE)
        .sidecar(node)
        .get(KINDS.listeners.typeUrl)
        ?.get(INBOUND_LISTENER);
      assert.ok(listener !== undefined);
      return (listener.message as { filterChains: { transportSocket?: unknown }[] }).filterChains.map(
        (chain) => chain.transportSocket !== undefined,
      );
    };
    assert.deepEqual(chains(stateOf(service("catalog"))), [true, false], "the flag's PERMISSIVE: TLS and plaintext");
    assert.deepEqual(chains(stateOf(service("catalog"), strict("catalog", "catalog"))), [true], "STRICT: TLS only");
    assert.deepEqual(
      chains(stateOf(service("catalog"), peerAuthentication("m", { mtls: { mode: "DISABLE" } }))),
      [false],
      "the mesh-wide DISABLE: plaintext",
    );
  });

  test("two documents for one Service with different modes: the first by name applies, the other is a compile issue", () => {
    const state = stateOf(
      service("catalog"),
      strict("a-strict", "catalog"),
      peerAuthentication("b-off", { targetRefs: [{ kind: "Service", name: "catalog" }], mtls: { mode: "DISABLE" } }),
      peerAuthentication("c-nothing", { selector: { matchLabels: { app: "gone" } }, mtls: { mode: "STRICT" } }),
    );
    assert.equal(modeOf(PERMISSIVE, state, "catalog"), "STRICT");
    const issues: CompileIssue[] = [];
    peerAuthenticationIssues(state, issues);
    assert.deepEqual(
      issues.map((issue) => [issue.kind, issue.name, issue.path]),
      [
        ["peerauthentications", "b-off", "spec.mtls.mode"],
        ["peerauthentications", "c-nothing", "spec.selector.matchLabels.app"],
      ],
    );
  });

  test("a selector on other labels, per-port modes, two ways of targeting and an unknown mode are refused at their paths", () => {
    assert.deepEqual(
      refusal(peerAuthentication("p", { selector: { matchLabels: { version: "v1" } }, mtls: { mode: "STRICT" } })),
      [["spec.selector.matchLabels", ValidationCode.unsupported]],
    );
    assert.deepEqual(refusal(peerAuthentication("p", { portLevelMtls: { 8080: { mode: "DISABLE" } } })), [
      ["spec.portLevelMtls", ValidationCode.unsupported],
    ]);
    assert.deepEqual(
      refusal(
        peerAuthentication("p", {
          selector: { matchLabels: { app: "catalog" } },
          targetRefs: [{ kind: "Service", name: "catalog" }],
        }),
      ),
      [["spec", ValidationCode.conflict]],
    );
    assert.equal(refusal(peerAuthentication("p", { mtls: { mode: "MUTUAL" } }))[0]?.[0], "spec.mtls.mode");
    assert.deepEqual(refusal(peerAuthentication("p", { targetRefs: [{ kind: "Gateway", name: "g" }] })), [
      ["spec.targetRefs[0].kind", ValidationCode.unsupported],
    ]);
  });

  test("targetRefs reference their Services; a selector references none", () => {
    const kind = MESH_KINDS.peerauthentications;
    const refs = (doc: Doc) => kind.references(parseMeshDocument("peerauthentications", doc).document);
    assert.deepEqual(refs(strict("p", "catalog")), [{ kind: "services", name: "catalog", path: "spec.targetRefs[0]" }]);
    assert.deepEqual(
      refs(peerAuthentication("p", { selector: { matchLabels: { app: "catalog" } }, mtls: { mode: "STRICT" } })),
      [],
    );
    assert.deepEqual(refs(strict("mesh")), []);
  });
});

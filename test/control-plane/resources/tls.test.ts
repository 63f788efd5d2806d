// The SAN matchers of a TLS transport socket's validation context, as the control plane checks a
// raw cluster or listener: the typed list, the deprecated untyped match_subject_alt_names that
// gRPC's xDS clients read, and the two together, which Envoy refuses.
import { describe, test } from "node:test";
import { ValidationCode as V } from "../../../control-plane/src/resources/validation-codes.js";
import {
  assertAccepted,
  assertRefused,
  CLUSTER_EDS,
  edited,
  type Json,
  LISTENER,
  type RefusalCase,
} from "./fixtures.js";

const UPSTREAM = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
const DOWNSTREAM = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
const ROOT = { inline_string: "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n" };
const WEB = "spiffe://weft.local/service/web";

/** CLUSTER_EDS over TLS, its server checked by `validation` (with trusted_ca added). */
function tlsCluster(validation: Json): Json {
  return edited(CLUSTER_EDS, {
    transport_socket: {
      name: "envoy.transport_sockets.tls",
      typed_config: {
        "@type": UPSTREAM,
        common_tls_context: { validation_context: { trusted_ca: ROOT, ...validation } },
      },
    },
  });
}

/** LISTENER over mTLS, its clients checked by `validation` (with trusted_ca added). */
function tlsListener(validation: Json): Json {
  return edited(LISTENER, {
    "filter_chains[0].transport_socket": {
      name: "envoy.transport_sockets.tls",
      typed_config: {
        "@type": DOWNSTREAM,
        require_client_certificate: true,
        common_tls_context: {
          tls_certificates: [{ certificate_chain: ROOT, private_key: { filename: "/etc/weft/key.pem" } }],
          validation_context: { trusted_ca: ROOT, ...validation },
        },
      },
    },
  });
}

const CLUSTER_AT = "transport_socket.typed_config.common_tls_context.validation_context";

const cases: RefusalCase[] = [
  {
    rule: "match_subject_alt_names next to match_typed_subject_alt_names is a conflict, as Envoy refuses it",
    base: tlsCluster({
      match_typed_subject_alt_names: [{ san_type: "URI", matcher: { exact: WEB } }],
      match_subject_alt_names: [{ exact: WEB }],
    }),
    edits: {},
    path: `${CLUSTER_AT}.match_subject_alt_names`,
    code: V.conflict,
  },
  {
    rule: "a match_subject_alt_names entry without a pattern is refused",
    base: tlsCluster({ match_subject_alt_names: [{ exact: WEB }, { ignore_case: true }] }),
    edits: {},
    path: `${CLUSTER_AT}.match_subject_alt_names[1]`,
    code: V.required,
  },
  {
    rule: "a match_subject_alt_names entry with ignore_case and safe_regex is a conflict, as for any string matcher",
    base: tlsCluster({ match_subject_alt_names: [{ safe_regex: { regex: "spiffe://.*" }, ignore_case: true }] }),
    edits: {},
    path: `${CLUSTER_AT}.match_subject_alt_names[0].ignore_case`,
    code: V.conflict,
  },
  {
    rule: "a match_subject_alt_names entry with an empty suffix is refused",
    base: tlsCluster({ match_subject_alt_names: [{ suffix: "" }] }),
    edits: {},
    path: `${CLUSTER_AT}.match_subject_alt_names[0].suffix`,
    code: V.required,
  },
  {
    rule: "a match_subject_alt_names entry with a bad regex is refused",
    base: tlsCluster({ match_subject_alt_names: [{ safe_regex: { regex: "spiffe://(" } }] }),
    edits: {},
    path: `${CLUSTER_AT}.match_subject_alt_names[0].safe_regex.regex`,
    code: V.badRegex,
  },
  {
    rule: "a listener's match_subject_alt_names next to the typed list is a conflict too",
    base: tlsListener({
      match_typed_subject_alt_names: [{ san_type: "DNS", matcher: { exact: "web.internal" } }],
      match_subject_alt_names: [{ exact: WEB }],
    }),
    edits: {},
    path: "filter_chains[0].transport_socket.typed_config.common_tls_context.validation_context.match_subject_alt_names",
    code: V.conflict,
  },
];

describe("TLS validation contexts: SAN matchers", () => {
  test("a cluster or listener may match the peer by the deprecated match_subject_alt_names alone", () => {
    assertAccepted("clusters", tlsCluster({ match_subject_alt_names: [{ exact: WEB }, { suffix: ".internal" }] }));
    assertAccepted("listeners", tlsListener({ match_subject_alt_names: [{ prefix: "spiffe://weft.local/" }] }));
  });

  test("the typed list alone stays valid", () => {
    assertAccepted(
      "clusters",
      tlsCluster({ match_typed_subject_alt_names: [{ san_type: "URI", matcher: { exact: WEB } }] }),
    );
  });

  for (const c of cases) {
    test(c.rule, () => {
      assertRefused("filter_chains" in c.base ? "listeners" : "clusters", edited(c.base, c.edits), c.path, c.code);
    });
  }
});

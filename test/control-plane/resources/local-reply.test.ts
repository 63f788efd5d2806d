// An HttpConnectionManager's local_reply_config: the subset Weft runs (response_flag_filter
// mappers, status_code, inline body, text formats with REQ, RESPONSE_CODE and LOCAL_REPLY_BODY) is
// accepted; anything the proxy could not run is refused at its field path.
import { describe, test } from "node:test";
import { ValidationCode as V } from "../../../control-plane/src/resources/validation-codes.js";
import { assertAccepted, assertRefused, edited, type Json, LISTENER } from "./fixtures.js";

const HCM = "filter_chains[0].filters[0].typed_config";
const M0 = `${HCM}.local_reply_config.mappers[0]`;

const withLocalReply = (config: Json) => edited(LISTENER, { [`${HCM}.local_reply_config`]: config });

const UNKNOWN_HOST: Json = {
  mappers: [
    {
      filter: { response_flag_filter: { flags: ["NR"] } },
      status_code: 404,
      body_format_override: {
        text_format_source: { inline_string: "no service at %REQ(:AUTHORITY)% (%RESPONSE_CODE%)\n" },
        content_type: "text/plain; charset=utf-8",
      },
    },
  ],
  body_format: { text_format: "%LOCAL_REPLY_BODY% [%REQ(X-REQUEST-ID?X-TRACE):8%]\n" },
};

describe("local_reply_config in an HTTP connection manager", () => {
  test("mappers by response flag with a status, an inline body and formats, and a body format, are accepted", () => {
    assertAccepted("listeners", withLocalReply(UNKNOWN_HOST));
    assertAccepted(
      "listeners",
      withLocalReply({ mappers: [{ filter: { response_flag_filter: {} }, body: { inline_string: "x" } }] }),
    );
  });

  test("a mapper without a filter is refused at its filter", () => {
    assertRefused("listeners", withLocalReply({ mappers: [{ status_code: 404 }] }), `${M0}.filter`, V.required);
  });

  test("a flag Envoy does not know is refused at its index", () => {
    assertRefused(
      "listeners",
      withLocalReply({ mappers: [{ filter: { response_flag_filter: { flags: ["NR", "XX"] } } }] }),
      `${M0}.filter.response_flag_filter.flags[1]`,
      V.badValue,
    );
  });

  test("a status outside 200 to 599 is refused", () => {
    assertRefused(
      "listeners",
      withLocalReply({ mappers: [{ filter: { response_flag_filter: {} }, status_code: 99 }] }),
      `${M0}.status_code`,
      V.outOfRange,
    );
  });

  test("a command operator Weft does not fill in, or a lone %, is refused at the format", () => {
    for (const format of ["%START_TIME%", "100% sure", "%REQ()%", "%RESPONSE_CODE(x)%"]) {
      assertRefused(
        "listeners",
        withLocalReply({
          mappers: [
            {
              filter: { response_flag_filter: {} },
              body_format_override: { text_format_source: { inline_string: format } },
            },
          ],
        }),
        `${M0}.body_format_override.text_format_source.inline_string`,
        V.badValue,
      );
    }
    assertRefused(
      "listeners",
      withLocalReply({ body_format: { text_format: "%DOWNSTREAM_REMOTE_ADDRESS%" } }),
      `${HCM}.local_reply_config.body_format.text_format`,
      V.badValue,
    );
  });

  test("a body or format read from a file is refused as unsupported", () => {
    assertRefused(
      "listeners",
      withLocalReply({ mappers: [{ filter: { response_flag_filter: {} }, body: { filename: "/etc/reply" } }] }),
      `${M0}.body`,
      V.unsupported,
    );
    assertRefused(
      "listeners",
      withLocalReply({ body_format: { text_format_source: { filename: "/etc/format" } } }),
      `${HCM}.local_reply_config.body_format.text_format_source`,
      V.unsupported,
    );
  });
});

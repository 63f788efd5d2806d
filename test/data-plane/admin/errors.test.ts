import assert from "node:assert/strict";
import { test } from "node:test";
import { AccessLogErrorCode } from "../../../data-plane/src/access-log/index.js";
import { AdminErrorCode } from "../../../data-plane/src/admin/index.js";

test("the admin and access log codes are distinct WEFT_ codes", () => {
  const codes = [...Object.values(AdminErrorCode), ...Object.values(AccessLogErrorCode)];
  assert.equal(new Set(codes).size, codes.length);
  for (const code of codes) assert.match(code, /^WEFT_[A-Z_]+$/);
});

test("the codes a proxy operator's scripts match on keep their spelling", () => {
  assert.equal(AdminErrorCode.bind, "WEFT_PROXY_ADMIN_BIND");
  assert.equal(AdminErrorCode.notFound, "WEFT_ADMIN_NOT_FOUND");
  assert.equal(AccessLogErrorCode.open, "WEFT_PROXY_ACCESS_LOG_OPEN");
});

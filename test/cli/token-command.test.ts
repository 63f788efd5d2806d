// `weft token create|list|revoke` as child processes against a real control plane on 127.0.0.1:
// the token alone on stdout, listed without its secret, refused once revoked.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { controlPlane, type TestControlPlane, weft } from "./cli-harness.js";

let cp: TestControlPlane;
const at = () => ["--server", cp.server];

before(async () => {
  cp = await controlPlane({ apiToken: "operator-secret" });
});
after(() => cp.close());

const auth = { WEFT_API_TOKEN: "operator-secret" };

describe("weft token", () => {
  test("create prints the token alone on stdout; list shows it active without its secret; revoke refuses it", async () => {
    const created = await weft(["token", "create", "--service", "web", ...at()], { env: auth });
    assert.equal(created.status, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^weft\.[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/);
    const id = token.split(".")[1] ?? "";
    assert.ok(created.stderr.includes(id), created.stderr);

    const listed = await weft(["token", "list", ...at()], { env: auth });
    assert.equal(listed.status, 0, listed.stderr);
    const row = listed.stdout.split("\n").find((line) => line.startsWith(id)) ?? "";
    assert.match(row, /\bweb\b.*\bactive\b.*\bnever$/);
    assert.ok(!listed.stdout.includes(token.split(".")[2] ?? "-"));

    const revoked = await weft(["token", "revoke", id, ...at()], { env: auth });
    assert.equal(revoked.status, 0, revoked.stderr);
    const after = await weft(["token", "list", "-o", "json", ...at()], { env: auth });
    const tokens = (JSON.parse(after.stdout) as { tokens: { id: string; revokedAt: string | null }[] }).tokens;
    assert.equal(typeof tokens.find((t) => t.id === id)?.revokedAt, "string");
  });

  test("--ttl sets the expiry in whole seconds; -o json shows the whole answer", async () => {
    const created = await weft(["token", "create", "--service", "catalog", "--ttl", "2h", "-o", "json", ...at()], {
      env: auth,
    });
    assert.equal(created.status, 0, created.stderr);
    const body = JSON.parse(created.stdout) as { createdAt: string; expiresAt: string; service: string };
    assert.equal(body.service, "catalog");
    assert.equal(Date.parse(body.expiresAt) - Date.parse(body.createdAt), 2 * 3600 * 1000);
  });

  test("--role makes an API token: a read token lists, and is refused a write with WEFT_FORBIDDEN", async () => {
    const created = await weft(["token", "create", "--role", "read", ...at()], { env: auth });
    assert.equal(created.status, 0, created.stderr);
    const read = created.stdout.trim();
    const listed = await weft(["get", "clusters", ...at()], { env: { WEFT_API_TOKEN: read } });
    assert.equal(listed.status, 0, listed.stderr);
    const deleted = await weft(["delete", "clusters", "none", ...at()], { env: { WEFT_API_TOKEN: read } });
    assert.equal(deleted.status, 1);
    assert.ok(deleted.stderr.startsWith("weft: WEFT_FORBIDDEN"), deleted.stderr);
    const tokens = await weft(["token", "list", ...at()], { env: { WEFT_API_TOKEN: read } });
    assert.equal(tokens.status, 1);
    assert.ok(tokens.stderr.startsWith("weft: WEFT_FORBIDDEN"), tokens.stderr);
    const table = await weft(["token", "list", ...at()], { env: auth });
    assert.match(table.stdout, new RegExp(`${read.split(".")[1]}\\s+api\\s+role read\\s+active`));
  });

  test("mistakes: no --service or a fractional --ttl is a usage error (2); a bad service, an unknown id or no API token fail (1)", async () => {
    for (const args of [
      ["token", "create"],
      ["token", "create", "--service", "web", "--ttl", "1500ms"],
    ]) {
      const run = await weft([...args, ...at()], { env: auth });
      assert.equal(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, /^weft: WEFT_CLI_USAGE: /);
    }
    const cases: [string[], Record<string, string>, string][] = [
      [["token", "create", "--service", "Not_A_Service"], auth, "WEFT_INVALID_IDENTITY"],
      [["token", "revoke", "000000000000"], auth, "WEFT_NOT_FOUND"],
      [["token", "list"], {}, "WEFT_UNAUTHORIZED"],
    ];
    for (const [args, env, code] of cases) {
      const run = await weft([...args, ...at()], { env });
      assert.equal(run.status, 1, `${args.join(" ")}: ${run.stderr}`);
      assert.ok(run.stderr.startsWith(`weft: ${code}`), run.stderr);
    }
  });
});

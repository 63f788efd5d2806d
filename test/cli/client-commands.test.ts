// apply, get, delete, diff, history and rollback as operators run them: real `weft` processes
// against a real control plane over HTTP on 127.0.0.1.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { controlPlane, meshYaml, type TestControlPlane, tempDir, weft } from "./cli-harness.js";

let cp: TestControlPlane;
const files = tempDir();
before(async () => {
  cp = await controlPlane();
});
after(async () => {
  await cp?.close();
  files.remove();
});

const file = files.write;

const at = () => ["--server", cp.server];

describe("weft apply", () => {
  test("applies every document of a file in one revision and names each resource", async () => {
    const run = await weft(["apply", "-f", file("one.yaml", meshYaml("one")), ...at()]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split("\n"), [
      "cluster/one created",
      "endpoint/one created",
      "route/one-routes created",
      "revision 1",
    ]);
    const again = await weft(["apply", "-f", join(files.path, "one.yaml"), ...at()]);
    assert.match(again.stdout, /^cluster\/one unchanged$/m);
  });

  test("a folder's YAML and JSON files are read in name order; other files are left alone", async () => {
    const dir = join(files.path, "dir");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir);
    writeFileSync(join(dir, "b.yaml"), meshYaml("dir-b"));
    writeFileSync(
      join(dir, "a.json"),
      JSON.stringify({
        kind: "Cluster",
        name: "dir-a",
        type: "STATIC",
        connect_timeout: "1s",
        load_assignment: {
          cluster_name: "dir-a",
          endpoints: [
            {
              locality: {},
              lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: 1 } } } }],
            },
          ],
        },
      }),
    );
    writeFileSync(join(dir, "notes.txt"), "not: config");
    const run = await weft(["apply", "-f", dir, ...at()]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^cluster\/dir-a created\ncluster\/dir-b created\n/);
  });

  test("reads stdin with -f -, in the API's own {kind, resource} form too", async () => {
    const input = JSON.stringify({ resources: [{ kind: "routes", resource: { name: "stdin-routes" } }] });
    const run = await weft(["apply", "-f", "-", ...at()], { input });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^route\/stdin-routes created$/m);
  });

  test("--dry-run reports what would change and changes nothing", async () => {
    const before = await weft(["history", "-o", "json", ...at()]);
    const run = await weft(["apply", "--dry-run", "-f", file("dry.yaml", meshYaml("one", { timeout: "7s" })), ...at()]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^cluster\/one configured \(dry run\)$/m);
    assert.match(run.stdout, /^endpoint\/one unchanged \(dry run\)$/m);
    assert.match(run.stdout, /nothing was changed/);
    const afterwards = await weft(["history", "-o", "json", ...at()]);
    assert.equal(afterwards.stdout, before.stdout);
    const cluster = await weft(["get", "cluster", "one", "-o", "json", ...at()]);
    assert.equal((JSON.parse(cluster.stdout) as { connect_timeout: string }).connect_timeout, "1s");
  });

  test("an invalid resource changes nothing; every problem is listed with its file, document and field path", async () => {
    const bad = meshYaml("bad").replace('domains: ["*"]', 'domains: ["*", 7]').replace("type: EDS", "type: NOPE");
    const path = file("bad.yaml", bad);
    const run = await weft(["apply", "-f", path, ...at()]);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /^weft: WEFT_INVALID_RESOURCE: /);
    assert.ok(run.stderr.includes(`${path}#1 type`), run.stderr);
    assert.ok(run.stderr.includes(`${path}#3 virtual_hosts[0].domains[1]`), run.stderr);
    const get = await weft(["get", "cluster", "bad", ...at()]);
    assert.equal(get.status, 1);
    assert.match(get.stderr, /WEFT_NOT_FOUND/);
  });

  test("a document without kind, or YAML with an alias, is refused before anything is sent", async () => {
    const noKind = await weft(["apply", "-f", "-", ...at()], { input: "name: x\n" });
    assert.equal(noKind.status, 1);
    assert.match(noKind.stderr, /WEFT_CLI_INVALID_DOCUMENT/);
    assert.match(noKind.stderr, /stdin#1: kind: missing/);
    const alias = await weft(["apply", "-f", "-", ...at()], {
      input: "kind: Cluster\nname: &n x\nalt_stat_name: *n\n",
    });
    assert.equal(alias.status, 1);
    assert.match(alias.stderr, /WEFT_CLI_INVALID_DOCUMENT: .*\n.*stdin: line 2/);
  });

  test("an unreachable server fails with one line naming the URL and the cause", async () => {
    const run = await weft(["apply", "-f", join(files.path, "one.yaml"), "--server", "http://127.0.0.1:1"]);
    assert.equal(run.status, 1);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    assert.match(run.stderr, /^weft: WEFT_CLI_UNREACHABLE: cannot reach http:\/\/127\.0\.0\.1:1\/.*ECONNREFUSED/);
  });

  test("a file over the API's body limit fails with the API's 413 code on one line, not as unreachable", async () => {
    // Five clusters of about 2 MB each: the apply body is 10 MB, ten times the default limit.
    const big = file(
      "big.yaml",
      Array.from(
        { length: 5 },
        (_, i) =>
          `kind: Cluster\nname: big-${i}\ntype: EDS\nconnect_timeout: 1s\nalt_stat_name: ${"x".repeat(2 * 1024 * 1024)}\n`,
      ).join("---\n"),
    );
    const run = await weft(["apply", "-f", big, ...at()]);
    assert.equal(run.status, 1);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    assert.match(run.stderr, /^weft: WEFT_BODY_TOO_LARGE: /);
    assert.ok(run.stderr.includes("1048576"), run.stderr);
  });

  test("a missing file fails naming it", async () => {
    const run = await weft(["apply", "-f", join(files.path, "nope.yaml"), ...at()]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /WEFT_CLI_READ_FAILED: cannot read .*nope\.yaml: no such file/);
  });
});

describe("weft get", () => {
  test("prints a table by default, with the kind's summary column; kinds are taken in any spelling", async () => {
    for (const kind of ["clusters", "cluster", "Cluster", "CLUSTERS"]) {
      const run = await weft(["get", kind, ...at()]);
      assert.equal(run.status, 0, run.stderr);
      const [header, ...rows] = run.stdout.trim().split("\n");
      assert.match(header ?? "", /^NAME\s+VERSION\s+REVISION\s+TYPE$/);
      assert.ok(
        rows.some((row) => /^one\s+[0-9a-f]{8}\s+1\s+EDS$/.test(row)),
        run.stdout,
      );
    }
    const endpoints = await weft(["get", "ClusterLoadAssignment", ...at()]);
    assert.match(endpoints.stdout, /^one\s+[0-9a-f]{8}\s+\d+\s+1$/m);
  });

  test("-o yaml prints apply documents that apply back unchanged", async () => {
    const yaml = await weft(["get", "all", "-o", "yaml", ...at()]);
    assert.equal(yaml.status, 0, yaml.stderr);
    const documents = parseAllDocuments(yaml.stdout).map((d) => d.toJSON() as { kind: string });
    assert.ok(documents.length >= 6);
    assert.ok(documents.some((d) => d.kind === "ClusterLoadAssignment"));
    const back = await weft(["apply", "-f", "-", ...at()], { input: yaml.stdout });
    assert.equal(back.status, 0, back.stderr);
    const lines = back.stdout.trim().split("\n");
    assert.ok(
      lines.slice(0, -1).every((line) => line.endsWith(" unchanged")),
      back.stdout,
    );
  });

  test("-o json prints one object for a NAME and a list otherwise", async () => {
    const one = JSON.parse((await weft(["get", "route", "one-routes", "-o", "json", ...at()])).stdout) as Record<
      string,
      unknown
    >;
    assert.equal(one.kind, "RouteConfiguration");
    assert.equal(one.name, "one-routes");
    const list = JSON.parse((await weft(["get", "routes", "-o", "json", ...at()])).stdout) as unknown[];
    assert.ok(Array.isArray(list) && list.length >= 2);
  });

  test("an unknown kind is a one-line error listing the kinds", async () => {
    const run = await weft(["get", "secrets", ...at()]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^weft: WEFT_CLI_UNKNOWN_KIND: unknown kind "secrets"; expected one of listeners/);
  });
});

describe("weft delete", () => {
  test("a referenced resource is kept and its referrers named; --force deletes it", async () => {
    const refused = await weft(["delete", "cluster", "one", ...at()]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^weft: WEFT_REFERENCED: .*--force/);
    assert.match(refused.stderr, /routes\/one-routes: references clusters\/one/);
    const forced = await weft(["delete", "clusters", "one", "--force", ...at()]);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stdout, /^cluster\/one deleted\nrevision \d+\n$/);
    const missing = await weft(["delete", "cluster", "one", ...at()]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /WEFT_NOT_FOUND/);
  });
});

describe("weft diff", () => {
  test("exits 0 without changes, 1 with changes shown as - and + lines, 2 on an error", async () => {
    const path = file("diff.yaml", meshYaml("diffed"));
    assert.equal((await weft(["apply", "-f", path, ...at()])).status, 0);
    const same = await weft(["diff", "-f", path, ...at()]);
    assert.equal(same.status, 0, same.stderr);
    assert.equal(same.stdout, "");

    // camelCase and another duration spelling are the same content.
    const respelled = meshYaml("diffed").replace("connect_timeout: 1s", "connectTimeout: 1.000s");
    const equal = await weft(["diff", "-f", file("respelled.yaml", respelled), ...at()]);
    assert.equal(equal.status, 0, equal.stdout + equal.stderr);

    const changed = await weft(["diff", "-f", file("diff2.yaml", meshYaml("diffed", { timeout: "3s" })), ...at()]);
    assert.equal(changed.status, 1, changed.stderr);
    assert.match(changed.stdout, /^--- cluster\/diffed \(server, revision \d+\)$/m);
    assert.match(changed.stdout, /^-connect_timeout: 1s$/m);
    assert.match(changed.stdout, /^\+connect_timeout: 3s$/m);
    assert.doesNotMatch(changed.stdout, /endpoint\/diffed/);

    const invalid = await weft(["diff", "-f", file("diff3.yaml", "kind: Cluster\nname: x\ntype: NOPE\n"), ...at()]);
    assert.equal(invalid.status, 2);
    assert.match(invalid.stderr, /^weft: WEFT_INVALID_RESOURCE/);
    const down = await weft(["diff", "-f", path, "--server", "http://127.0.0.1:1"]);
    assert.equal(down.status, 2);
  });
});

describe("weft history and rollback", () => {
  test("history lists revisions newest first; one revision shows its field changes; rollback restores", async () => {
    const path = file("hist.yaml", meshYaml("hist", { timeout: "1s" }));
    await weft(["apply", "-f", path, ...at()]);
    const first = JSON.parse((await weft(["history", "--limit", "1", "-o", "json", ...at()])).stdout) as {
      revision: number;
    }[];
    const rev = first[0]?.revision ?? 0;
    await weft(["apply", "-f", file("hist2.yaml", meshYaml("hist", { timeout: "4s" })), ...at()]);

    const table = await weft(["history", ...at()]);
    assert.equal(table.status, 0, table.stderr);
    const [header, newest] = table.stdout.split("\n");
    assert.match(header ?? "", /^REV\s+TIME\s+DESCRIPTION\s+CHANGES$/);
    // Only the cluster changed: the description counts it alone, and ~ marks a change (+ a creation).
    assert.match(newest ?? "", new RegExp(`^${rev + 1}\\s+\\S+\\s+apply 1 resource\\s+~cluster/hist$`));
    const created = table.stdout.split("\n").find((line) => line.startsWith(`${rev} `));
    assert.match(created ?? "", /\s\+route\/hist-routes \+cluster\/hist \+endpoint\/hist$/);

    const detail = await weft(["history", String(rev + 1), ...at()]);
    assert.match(detail.stdout, /^cluster\/hist changed\n {2}- connect_timeout: "1s"\n {2}\+ connect_timeout: "4s"$/m);

    const rollback = await weft(["rollback", String(rev), ...at()]);
    assert.equal(rollback.status, 0, rollback.stderr);
    assert.match(rollback.stdout, /^cluster\/hist restored$/m);
    assert.match(rollback.stdout, new RegExp(`^revision ${rev + 2} \\(rolled back to ${rev}\\)$`, "m"));
    const diff = await weft(["diff", "-f", path, ...at()]);
    assert.equal(diff.status, 0, diff.stdout);

    const future = await weft(["rollback", "99999", ...at()]);
    assert.equal(future.status, 1);
    assert.match(future.stderr, /WEFT_REVISION_NOT_FOUND/);
  });
});

describe("weft apply --prune", () => {
  test("deletes the stored resources of the files' kinds that the files no longer hold, and only those", async () => {
    const own = await controlPlane();
    try {
      const server = ["--server", own.server];
      await weft(["apply", "-f", file("p1.yaml", `${meshYaml("keep")}---\n${meshYaml("drop")}`), ...server]);
      const dropped = `${meshYaml("keep")}---\n${meshYaml("drop")}`
        .split("---\n")
        .filter((doc) => !doc.includes("name: drop-routes"))
        .join("---\n");
      // The files still hold drop's cluster and endpoints but no longer its route configuration.
      const dry = await weft(["apply", "--prune", "--dry-run", "-f", file("p2.yaml", dropped), ...server]);
      assert.match(dry.stdout, /^route\/drop-routes pruned \(dry run\)$/m);
      assert.equal((await weft(["get", "route", "drop-routes", ...server])).status, 0);

      const run = await weft(["apply", "--prune", "-f", file("p2.yaml", dropped), ...server]);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /^route\/drop-routes pruned$/m);
      assert.equal((await weft(["get", "route", "drop-routes", ...server])).status, 1);

      // A file of clusters only prunes clusters; the cluster still referenced by keep-routes stays.
      const clustersOnly = meshYaml("drop").split("---\n")[0] ?? "";
      const partial = await weft(["apply", "--prune", "-f", file("p3.yaml", clustersOnly), ...server]);
      assert.equal(partial.status, 1);
      assert.match(
        partial.stderr,
        /WEFT_CLI_PRUNE_FAILED: .*\n {2}cluster\/keep: WEFT_REFERENCED \(referenced by routes\/keep-routes\)/,
      );
      const endpoints = await weft(["get", "endpoints", ...server]);
      assert.match(endpoints.stdout, /^keep\s/m);
    } finally {
      await own.close();
    }
  });
});

describe("auth", () => {
  test("without the token the answer is one line telling how to pass it; a wrong token is told apart; --token and WEFT_API_TOKEN work", async () => {
    const secured = await controlPlane({ apiToken: "s3cret" });
    try {
      const denied = await weft(["get", "clusters", "--server", secured.server]);
      assert.equal(denied.status, 1);
      assert.match(denied.stderr, /^weft: WEFT_UNAUTHORIZED: .*--token.*\n$/);
      const wrong = await weft(["get", "clusters", "--server", secured.server, "--token", "guess"]);
      assert.equal(wrong.status, 1);
      assert.match(wrong.stderr, /^weft: WEFT_TOKEN_INVALID: [^\n]*\n$/);
      const flag = await weft(["get", "clusters", "--server", secured.server, "--token", "s3cret"]);
      assert.equal(flag.status, 0, flag.stderr);
      const env = await weft(["get", "clusters"], { env: { WEFT_SERVER: secured.server, WEFT_API_TOKEN: "s3cret" } });
      assert.equal(env.status, 0, env.stderr);
    } finally {
      await secured.close();
    }
  });
});

describe("help", () => {
  test("every client command has its own help with examples", async () => {
    const runs = await Promise.all(
      ["apply", "get", "delete", "diff", "status", "config-dump", "history", "rollback"].map((command) =>
        weft([command, "--help"]).then((run) => ({ command, run })),
      ),
    );
    for (const { command, run } of runs) {
      assert.equal(run.status, 0, command);
      assert.match(run.stdout, new RegExp(`^Usage: weft ${command} `), command);
      assert.match(run.stdout, /Examples:\n {2}\$ weft /, command);
    }
    const top = await weft(["--help"]);
    for (const command of ["apply", "get", "delete", "diff", "status", "config-dump", "history", "rollback"]) {
      assert.match(top.stdout, new RegExp(`^\\s+${command}\\b`, "m"));
    }
  });
});

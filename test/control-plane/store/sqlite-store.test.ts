// SqliteStore: the shared contract, then what only a file on disk can show: persistence across
// reopen, revision numbers that are never reused, and acknowledged writes surviving kill -9.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { ErrorCode } from "../../../control-plane/src/errors.js";
import { DATABASE_FILE, SqliteStore } from "../../../control-plane/src/store/sqlite-store.js";
import { secretContract } from "./secret-contract.js";
import { storeContract } from "./store-contract.js";
import { del, put, steppingClock } from "./test-resources.js";

const root = mkdtempSync(join(tmpdir(), "weft-sqlite-store-"));
after(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
function dataDir(): string {
  return join(root, `store-${++dirs}`);
}

storeContract("SqliteStore", (options) => SqliteStore.open({ dataDir: dataDir(), ...options }), { modelRuns: 60 });
secretContract("SqliteStore", () => SqliteStore.open({ dataDir: dataDir() }));

describe("SqliteStore on disk", () => {
  test("open creates the data directory, with weft.db in WAL mode inside", async () => {
    const dir = join(dataDir(), "nested", "deeper");
    const store = await SqliteStore.open({ dataDir: dir });
    await store.commit([put("clusters", "a", "1")]);
    await store.close();
    assert.ok(existsSync(join(dir, DATABASE_FILE)));
    const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
    try {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    } finally {
      db.close();
    }
  });

  test("everything committed is there after close and reopen: state, versions, history, past states", async () => {
    const dir = dataDir();
    const first = await SqliteStore.open({ dataDir: dir, now: steppingClock() });
    await first.commit([put("clusters", "a", "1"), put("routes", "r", "1")], { description: "one" });
    await first.commit([put("clusters", "a", "2"), del("routes", "r")], { description: "two" });
    await first.commit([put("listeners", "l", "1"), put("services", "catalog", "1")]);
    const state = await first.current();
    const history = await first.history();
    const atOne = await first.stateAt(1);
    await first.close();

    const reopened = await SqliteStore.open({ dataDir: dir });
    try {
      assert.deepEqual(await reopened.current(), state);
      assert.deepEqual(await reopened.history(), history);
      assert.deepEqual(await reopened.stateAt(1), atOne);
      assert.deepEqual(await reopened.revisionRecord(2), history[1]);
    } finally {
      await reopened.close();
    }
  });

  test("revision numbers continue after reopen and are never reused, even once everything is deleted", async () => {
    const dir = dataDir();
    const first = await SqliteStore.open({ dataDir: dir, historyLimit: 1 });
    await first.commit([put("clusters", "a", "1")]);
    await first.commit([del("clusters", "a")]);
    await first.close();
    const reopened = await SqliteStore.open({ dataDir: dir, historyLimit: 1 });
    try {
      assert.equal((await reopened.current()).revision, 2);
      assert.equal((await reopened.commit([put("clusters", "a", "1")])).revision, 3);
    } finally {
      await reopened.close();
    }
  });

  test("a lower historyLimit on reopen compacts at once", async () => {
    const dir = dataDir();
    const first = await SqliteStore.open({ dataDir: dir });
    for (let i = 1; i <= 8; i++) await first.commit([put("clusters", "a", `${i}`)]);
    await first.close();
    const reopened = await SqliteStore.open({ dataDir: dir, historyLimit: 3 });
    try {
      assert.deepEqual(
        (await reopened.history()).map((r) => r.revision),
        [8, 7, 6],
      );
      await assert.rejects(reopened.stateAt(4), { code: ErrorCode.compacted });
    } finally {
      await reopened.close();
    }
  });

  test("two stores on one file share revisions and see each other's writes in their conditions", async () => {
    const dir = dataDir();
    const one = await SqliteStore.open({ dataDir: dir });
    const two = await SqliteStore.open({ dataDir: dir });
    try {
      assert.equal((await one.commit([put("clusters", "a", "1")])).revision, 1);
      assert.equal((await two.commit([put("clusters", "b", "1")])).revision, 2);
      await assert.rejects(one.commit([put("clusters", "a", "2")], { conditions: { storeRevision: 1 } }), {
        code: ErrorCode.conflict,
      });
      await assert.rejects(
        one.commit([put("clusters", "b", "2")], {
          conditions: { modRevisions: [{ kind: "clusters", name: "b", modRevision: 0 }] },
        }),
        { code: ErrorCode.conflict },
      );
      assert.equal((await one.commit([put("clusters", "a", "2")])).revision, 3);
      assert.deepEqual(await two.current(), await one.current());
    } finally {
      await one.close();
      await two.close();
    }
  });

  test("a data directory written by a newer schema is refused with STORE_FAILED", async () => {
    const dir = dataDir();
    await (await SqliteStore.open({ dataDir: dir })).close();
    const db = new Database(join(dir, DATABASE_FILE));
    db.prepare("UPDATE meta SET value = 99 WHERE key = 'schema_version'").run();
    db.close();
    await assert.rejects(SqliteStore.open({ dataDir: dir }), { code: ErrorCode.storeFailed });
  });

  test("a data directory that cannot be created fails with STORE_FAILED", async () => {
    const file = join(root, "not-a-directory");
    writeFileSync(file, "");
    await assert.rejects(SqliteStore.open({ dataDir: join(file, "data") }), { code: ErrorCode.storeFailed });
  });

  test("an invalid historyLimit is refused before anything is opened", async () => {
    const dir = dataDir();
    await assert.rejects(SqliteStore.open({ dataDir: dir, historyLimit: 0 }), { code: ErrorCode.badRequest });
    assert.equal(existsSync(dir), false);
  });
});

describe("SqliteStore durability", () => {
  const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "commit-burst.ts");
  const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

  /** Runs the burst in a child, SIGKILLs it once `acknowledged` commits resolved; returns the acknowledged lines. */
  async function burstThenKill(dir: string, acknowledged: number): Promise<{ revision: number; name: string }[]> {
    const child = spawn(process.execPath, ["--import", "tsx", fixture, dir], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acks: { revision: number; name: string }[] = [];
    let stderr = "";
    let pending = "";
    try {
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${acks.length} acknowledgements in time: ${stderr}`)),
          10_000,
        );
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
          stderr += chunk;
        });
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          pending += chunk;
          const lines = pending.split("\n");
          pending = lines.pop() ?? "";
          for (const line of lines) {
            const [revision, name] = line.split(" ");
            acks.push({ revision: Number(revision), name: name ?? "" });
          }
          if (acks.length >= acknowledged && child.pid !== undefined && child.exitCode === null) {
            process.kill(child.pid, "SIGKILL");
          }
        });
        child.on("exit", (code, signal) => {
          clearTimeout(timer);
          if (signal === "SIGKILL") resolve(acks);
          else reject(new Error(`the burst exited by itself (code ${code}) before the kill: ${stderr}`));
        });
      });
    } finally {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, "SIGKILL");
      }
    }
  }

  test("every write acknowledged before kill -9 is there after reopen, and no commit is half-applied", async () => {
    const dir = dataDir();
    const acks = await burstThenKill(dir, 300);
    assert.ok(acks.length >= 300);

    const db = new Database(join(dir, DATABASE_FILE));
    try {
      assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    } finally {
      db.close();
    }
    const store = await SqliteStore.open({ dataDir: dir });
    try {
      const { revision, resources } = await store.current();
      const last = acks[acks.length - 1];
      assert.ok(
        last !== undefined && revision >= last.revision,
        "the store is at least at the last acknowledged revision",
      );
      for (const ack of acks) {
        const cluster = await store.get("clusters", ack.name);
        assert.equal(cluster?.modRevision, ack.revision, `${ack.name} lost`);
        assert.equal((await store.get("endpoints", ack.name))?.modRevision, ack.revision);
      }
      // All or nothing: every cluster has its endpoints, including any unacknowledged last commit.
      const names = (kind: string) =>
        resources
          .filter((r) => r.kind === kind)
          .map((r) => r.name)
          .sort();
      assert.deepEqual(names("endpoints"), names("clusters"));
      assert.equal(names("clusters").length, revision);
      assert.deepEqual(
        (await store.history({ limit: 3 })).map((r) => r.revision),
        [revision, revision - 1, revision - 2],
      );
      assert.equal((await store.commit([put("clusters", "after-crash", "1")])).revision, revision + 1);
    } finally {
      await store.close();
    }
  });
});

describe("SqliteStore secrets on disk", () => {
  test("secrets survive close and reopen, and a data directory from before the secrets table gains it", async () => {
    const dir = dataDir();
    const first = await SqliteStore.open({ dataDir: dir });
    await first.commit([put("clusters", "a", "1")]);
    await first.close();
    // As a data directory written before secrets existed: the table is not there.
    const db = new Database(join(dir, DATABASE_FILE));
    db.exec("DROP TABLE secrets");
    db.close();

    const second = await SqliteStore.open({ dataDir: dir });
    assert.equal(await second.secret("ca/root"), undefined);
    assert.deepEqual(await second.createSecret("ca/root", "material"), { value: "material", created: true });
    await second.close();
    const third = await SqliteStore.open({ dataDir: dir });
    assert.equal(await third.secret("ca/root"), "material");
    assert.equal((await third.current()).revision, 1);
    await third.close();
  });
});

describe("SqliteStore file modes", () => {
  test("a data directory and database it creates are its user's alone, the WAL included", async () => {
    const dir = join(dataDir(), "fresh");
    const store = await SqliteStore.open({ dataDir: dir });
    await store.createSecret("ca/root", "material");
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, DATABASE_FILE)).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, `${DATABASE_FILE}-wal`)).mode & 0o777, 0o600);
    await store.close();
  });

  test("an existing database keeps the mode it has", async () => {
    const dir = dataDir();
    const first = await SqliteStore.open({ dataDir: dir });
    await first.close();
    chmodSync(join(dir, DATABASE_FILE), 0o640);
    const second = await SqliteStore.open({ dataDir: dir });
    await second.close();
    assert.equal(statSync(join(dir, DATABASE_FILE)).mode & 0o777, 0o640);
  });
});

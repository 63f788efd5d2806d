// The SQLite store's tables, created or checked when a data directory is opened.
//
// resources  the current state: one row per resource.
// revisions  one row per kept revision (the last `historyLimit`).
// changes    one row per resource changed in a kept revision, with the resource as it was before
//            (null columns: it did not exist) and after (null: deleted; an after image's
//            modRevision is by definition the change's own revision). `before` images let
//            stateAt() rebuild any kept state by undoing newer changes.
// meta       schema_version; revision, the latest revision ever committed (kept here, not derived
//            from the other tables, so a number is never reused); oldest_revision, below which
//            every revision has been compacted away.
// secrets    the control plane's own records (secret-store.ts): key and value, outside revisions
//            and history. Created on open when missing, so an older data directory gains it.
import type Database from "better-sqlite3";
import { ErrorCode, WeftError } from "../errors.js";

export const SCHEMA_VERSION = 1;

const CREATE = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS resources (
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  json TEXT NOT NULL,
  version TEXT NOT NULL,
  mod_revision INTEGER NOT NULL,
  PRIMARY KEY (kind, name)
);
CREATE TABLE IF NOT EXISTS revisions (
  revision INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  description TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
  revision INTEGER NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('put', 'delete')),
  before_json TEXT,
  before_version TEXT,
  before_mod_revision INTEGER,
  after_json TEXT,
  after_version TEXT,
  PRIMARY KEY (revision, kind, name)
);
CREATE TABLE IF NOT EXISTS secrets (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

/** Creates the tables in an empty database, or checks that an existing one has a schema this code reads. */
export function prepareSchema(db: Database.Database): void {
  db.transaction(() => {
    db.exec(CREATE);
    const found = db.prepare<[], number>("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get();
    if (found === undefined) {
      const insert = db.prepare<[string, number]>("INSERT INTO meta (key, value) VALUES (?, ?)");
      insert.run("schema_version", SCHEMA_VERSION);
      insert.run("revision", 0);
      insert.run("oldest_revision", 1);
    } else if (found !== SCHEMA_VERSION) {
      throw new WeftError(
        ErrorCode.storeFailed,
        `the data directory holds store schema version ${found}; this control plane reads version ${SCHEMA_VERSION}`,
      );
    }
  }).immediate();
}

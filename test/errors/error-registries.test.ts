// Each plane has one registry of error codes (proto, control plane, data plane, CLI). These tests
// keep the registries honest: a code is registered once across all of them, every registered code
// is raised somewhere (no dead codes), every WEFT_ code the source spells out is registered, the
// data plane's error classes take their codes from its registry, and the README lists each code.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { CliErrorCode } from "../../cli/src/errors.js";
import { HTTP_STATUS } from "../../control-plane/src/api/error-status.js";
import { DetailCode, ErrorCode, ValidationCode } from "../../control-plane/src/errors.js";
import { AccessLogError, AccessLogErrorCode } from "../../data-plane/src/access-log/errors.js";
import { AdminError, AdminErrorCode } from "../../data-plane/src/admin/errors.js";
import { ConfigError, ConfigErrorCode } from "../../data-plane/src/config/errors.js";
import { nackGrpcStatusOf, PROXY_ERROR_SURFACE, ProxyError, ProxyErrorCode } from "../../data-plane/src/errors.js";
import { HttpForwardError, HttpForwardErrorCode } from "../../data-plane/src/http/errors.js";
import { ListenerError, ListenerErrorCode } from "../../data-plane/src/listeners/errors.js";
import { RouterError, RouterErrorCode } from "../../data-plane/src/router/router-error.js";
import { SidecarError, SidecarErrorCode } from "../../data-plane/src/sidecar/errors.js";
import { XdsClientError, XdsClientErrorCode } from "../../data-plane/src/xds-client/errors.js";
import { FieldErrorCode, ProtoErrorCode } from "../../proto/errors.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

type CodeTable = Readonly<Record<string, string>>;

interface Registry {
  readonly plane: string;
  readonly file: string;
  readonly tables: Readonly<Record<string, CodeTable>>;
}

/** The one registry of each plane, by the file that holds it. */
const REGISTRIES: readonly Registry[] = [
  { plane: "proto", file: "proto/errors.ts", tables: { FieldErrorCode, ProtoErrorCode } },
  {
    plane: "control plane",
    file: "control-plane/src/errors.ts",
    tables: { ErrorCode, DetailCode, ValidationCode },
  },
  { plane: "data plane", file: "data-plane/src/errors.ts", tables: { ProxyErrorCode } },
  { plane: "CLI", file: "cli/src/errors.ts", tables: { CliErrorCode } },
];

/** The data plane's per-folder tables: each a view of the registry for one error class. */
const DATA_PLANE_CLASS_TABLES: readonly {
  file: string;
  name: string;
  table: CodeTable;
  error: abstract new (...args: never) => Error;
}[] = [
  { file: "data-plane/src/admin/errors.ts", name: "AdminErrorCode", table: AdminErrorCode, error: AdminError },
  {
    file: "data-plane/src/access-log/errors.ts",
    name: "AccessLogErrorCode",
    table: AccessLogErrorCode,
    error: AccessLogError,
  },
  { file: "data-plane/src/config/errors.ts", name: "ConfigErrorCode", table: ConfigErrorCode, error: ConfigError },
  {
    file: "data-plane/src/xds-client/errors.ts",
    name: "XdsClientErrorCode",
    table: XdsClientErrorCode,
    error: XdsClientError,
  },
  {
    file: "data-plane/src/http/errors.ts",
    name: "HttpForwardErrorCode",
    table: HttpForwardErrorCode,
    error: HttpForwardError,
  },
  {
    file: "data-plane/src/router/router-error.ts",
    name: "RouterErrorCode",
    table: RouterErrorCode,
    error: RouterError,
  },
  {
    file: "data-plane/src/listeners/errors.ts",
    name: "ListenerErrorCode",
    table: ListenerErrorCode,
    error: ListenerError,
  },
  { file: "data-plane/src/sidecar/errors.ts", name: "SidecarErrorCode", table: SidecarErrorCode, error: SidecarError },
];

/**
 * Files that only declare or map codes: a code named there is not thereby raised. The API's
 * status table names every ErrorCode by construction.
 */
const DECLARING_FILES: ReadonlySet<string> = new Set([
  ...REGISTRIES.map((registry) => registry.file),
  ...DATA_PLANE_CLASS_TABLES.map((entry) => entry.file),
  "control-plane/src/api/error-status.ts",
]);

/**
 * Codes that never reach a user as such, so the README need not list them: the proto codec's
 * own errors (the control plane answers them as WEFT_INVALID_RESOURCE with WEFT_JSON_* details,
 * the proxy NACKs them as WEFT_XDS_* or WEFT_PROXY_CONFIG_MALFORMED) and the forwarding path's
 * (the client gets a local reply's status and response flag).
 */
const NEVER_SHOWN: ReadonlySet<string> = new Set([
  ...Object.values(ProtoErrorCode),
  ...Object.values(ProxyErrorCode).filter((code) => PROXY_ERROR_SURFACE[code].via === "forwarding"),
]);

/**
 * Registered codes the README's tables do not list yet, each waiting for its row. A code leaves
 * this list when its row is added (a test below fails while a listed code already has one).
 */
const AWAITING_README_ROWS: ReadonlySet<string> = new Set<string>([]);

/** A whole WEFT_ code inside a piece of text (not a bare prefix such as "WEFT_" or "WEFT_JSON_*"). */
const CODE_IN_TEXT = /\bWEFT_[A-Z0-9_]*[A-Z0-9]\b(?!_\*)/g;

function registeredCodes(): { code: string; where: string }[] {
  return REGISTRIES.flatMap((registry) =>
    Object.entries(registry.tables).flatMap(([name, table]) =>
      Object.entries(table).map(([key, code]) => ({ code, where: `${registry.plane} ${name}.${key}` })),
    ),
  );
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts"))
        out.push(relative(repoRoot, path).split(sep).join("/"));
    }
  };
  for (const root of ["control-plane/src", "data-plane/src", "cli/src", "proto", "time"]) walk(join(repoRoot, root));
  return out.filter((file) => !file.startsWith("proto/gen/"));
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(join(repoRoot, file), "utf8"), ts.ScriptTarget.Latest, true);
}

function visit(node: ts.Node, each: (node: ts.Node) => void): void {
  each(node);
  ts.forEachChild(node, (child) => visit(child, each));
}

/** The text of string literals and template pieces. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) return node.text;
  return undefined;
}

/**
 * Environment variable names, which share the WEFT_ prefix with codes: WEFT_ and a CLI option's
 * long name in capitals (env-option.ts), and any WEFT_ name read from process.env.
 */
function environmentVariables(files: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const text = readFileSync(join(repoRoot, file), "utf8");
    if (file.startsWith("cli/src/")) {
      for (const [, option] of text.matchAll(/"(?:-[a-zA-Z], )?--([a-z][a-z0-9-]*)/g)) {
        names.add(`WEFT_${(option ?? "").replace(/-/g, "_").toUpperCase()}`);
      }
    }
    for (const [name] of text.matchAll(/(?<=process\.env\.)WEFT_[A-Z0-9_]+/g)) names.add(name);
  }
  return names;
}

/** Codes named in `file` by `Table.key` (through any import alias) or spelt out in a literal. */
function codesNamedIn(file: string, tables: ReadonlyMap<string, CodeTable>, into: Set<string>): void {
  const source = parse(file);
  const aliases = new Map<string, string>();
  for (const name of tables.keys()) aliases.set(name, name);
  visit(source, (node) => {
    if (ts.isImportSpecifier(node) && node.propertyName !== undefined && tables.has(node.propertyName.text)) {
      aliases.set(node.name.text, node.propertyName.text);
    }
  });
  visit(source, (node) => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const table = tables.get(aliases.get(node.expression.text) ?? "");
      const code = table?.[node.name.text];
      if (code !== undefined) into.add(code);
    }
    const text = literalText(node);
    if (text !== undefined) for (const [code] of text.matchAll(CODE_IN_TEXT)) into.add(code);
  });
}

/**
 * The codes the README's tables list: every WEFT_ code in a table row, and for a family row
 * (`WEFT_JSON_*`) each suffix the README lists with that family (`UNKNOWN_FIELD`, ...).
 */
function readmeCodes(): Set<string> {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const codes = new Set<string>();
  const rows = readme.split("\n").filter((line) => line.startsWith("|"));
  const families = new Set<string>();
  for (const row of rows) {
    for (const [code] of row.matchAll(CODE_IN_TEXT)) codes.add(code);
    for (const [, prefix] of row.matchAll(/`(WEFT_[A-Z0-9_]*_)\*`/g)) families.add(prefix ?? "");
  }
  for (const block of readme.split(/\n\s*\n/)) {
    for (const prefix of families) {
      if (!block.includes(`\`${prefix}*\``)) continue;
      for (const [, suffix] of block.matchAll(/`([A-Z][A-Z0-9_]*[A-Z0-9])`/g)) codes.add(`${prefix}${suffix}`);
    }
  }
  return codes;
}

describe("the error registries", () => {
  test("every code is a WEFT_ code registered exactly once across the planes' registries", () => {
    const seen = new Map<string, string>();
    for (const { code, where } of registeredCodes()) {
      assert.match(code, /^WEFT_[A-Z0-9_]*[A-Z0-9]$/, where);
      assert.equal(seen.get(code), undefined, `${code} is registered as ${seen.get(code)} and as ${where}`);
      seen.set(code, where);
    }
    assert.ok(seen.size > 100, `only ${seen.size} codes found: is a registry missing?`);
  });

  test("the data plane's error classes extend ProxyError and take their codes from the registry", () => {
    const registered = new Set<string>(Object.values(ProxyErrorCode));
    for (const { name, table, error } of DATA_PLANE_CLASS_TABLES) {
      assert.ok(error.prototype instanceof ProxyError, `${error.name} extends ProxyError`);
      for (const [key, code] of Object.entries(table)) assert.ok(registered.has(code), `${name}.${key} is registered`);
    }
  });

  test("every data-plane code says how it surfaces, and every control-plane code has its HTTP status", () => {
    assert.deepEqual(Object.keys(PROXY_ERROR_SURFACE).sort(), Object.values(ProxyErrorCode).sort());
    for (const [code, surface] of Object.entries(PROXY_ERROR_SURFACE)) {
      if (surface.via === "admin-reply") assert.ok(surface.httpStatus >= 400 && surface.httpStatus < 600, code);
      if (surface.via === "nack") assert.equal(surface.grpcStatus, 3, `${code}: NACKs carry INVALID_ARGUMENT`);
    }
    assert.deepEqual(Object.keys(HTTP_STATUS).sort(), Object.values(ErrorCode).sort());
  });

  test("a NACK's gRPC status is its code's in the registry, and WEFT_XDS_REJECTED's for an error without a NACK code", () => {
    for (const [code, surface] of Object.entries(PROXY_ERROR_SURFACE)) {
      if (surface.via === "nack") assert.equal(nackGrpcStatusOf(code), surface.grpcStatus, code);
    }
    const rejected = PROXY_ERROR_SURFACE[ProxyErrorCode.xdsRejected];
    assert.ok(rejected.via === "nack");
    assert.equal(nackGrpcStatusOf(undefined), rejected.grpcStatus, "a handler's plain Error");
    assert.equal(nackGrpcStatusOf(ProxyErrorCode.adminBind), rejected.grpcStatus, "a code that is no NACK's");
    assert.equal(nackGrpcStatusOf("toString"), rejected.grpcStatus, "not read from the prototype");
  });

  test("every WEFT_ code spelt out in the source is registered", () => {
    const files = sourceFiles();
    const registered = new Set(registeredCodes().map(({ code }) => code));
    const environment = environmentVariables(files);
    const unregistered: string[] = [];
    for (const file of files) {
      if (DECLARING_FILES.has(file)) continue;
      visit(parse(file), (node) => {
        const text = literalText(node);
        if (text === undefined) return;
        for (const [code] of text.matchAll(CODE_IN_TEXT)) {
          if (!registered.has(code) && !environment.has(code)) unregistered.push(`${file}: ${code}`);
        }
      });
    }
    assert.ok(environment.has("WEFT_API_LISTEN") && environment.has("WEFT_TOKEN"), "environment variables are found");
    assert.deepEqual(unregistered, []);
  });

  test("every registered code is named somewhere in the source besides its registry (no dead codes)", () => {
    const tables = new Map<string, CodeTable>();
    for (const registry of REGISTRIES)
      for (const [name, table] of Object.entries(registry.tables)) tables.set(name, table);
    for (const { name, table } of DATA_PLANE_CLASS_TABLES) tables.set(name, table);
    const named = new Set<string>();
    for (const file of sourceFiles()) if (!DECLARING_FILES.has(file)) codesNamedIn(file, tables, named);
    const dead = registeredCodes().filter(({ code }) => !named.has(code));
    assert.deepEqual(
      dead.map(({ code, where }) => `${code} (${where})`),
      [],
    );
  });

  test("every registered code is listed in the README's error tables, or awaits its row", () => {
    const listed = readmeCodes();
    const missing = registeredCodes().filter(
      ({ code }) => !listed.has(code) && !AWAITING_README_ROWS.has(code) && !NEVER_SHOWN.has(code),
    );
    assert.deepEqual(
      missing.map(({ code, where }) => `${code} (${where})`),
      [],
    );
  });

  test("a code awaiting its README row does not have one yet (the list only shrinks)", () => {
    const listed = readmeCodes();
    assert.deepEqual(
      [...AWAITING_README_ROWS].filter((code) => listed.has(code)),
      [],
    );
  });
});

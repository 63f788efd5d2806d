// `weft get KIND [NAME]`: a table by default; -o yaml|json prints the resources as documents
// `weft apply -f` takes back unchanged.
import { Command } from "commander";
import type { ApiKind, ResourceView, WeftApi } from "../client/index.js";
import { CliError, CliErrorCode } from "../errors.js";
import { addClientOptions, type ClientFlags, withApi } from "./client-options.js";
import { documentOf, documentsText, type OutputFormat, outputOption } from "./output-format.js";
import { KIND_ORDER, kindTitle, requireKind } from "./resource-kinds.js";
import { renderTable, shortVersion } from "./table.js";

interface Flags extends ClientFlags {
  output: OutputFormat;
}

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `host:port` of an Envoy Address (socket_address), or "-". */
function addressText(address: unknown): string {
  const socket = record(record(address).socket_address);
  if (typeof socket.address !== "string") return "-";
  const port = socket.port_value ?? socket.named_port ?? 0;
  return socket.address.includes(":") ? `[${socket.address}]:${String(port)}` : `${socket.address}:${String(port)}`;
}

/** The kind's summary column: its title, and the cell of one resource. */
const SUMMARY: Readonly<Record<ApiKind, { title: string; cell: (resource: Json) => string }>> = {
  listeners: { title: "ADDRESS", cell: (r) => addressText(r.address) },
  routes: {
    title: "VIRTUAL HOSTS",
    cell: (r) => {
      const hosts = list(r.virtual_hosts).map(record);
      const domains = hosts.flatMap((host) => list(host.domains).map(String));
      return `${hosts.length} (${domains.slice(0, 3).join(",")}${domains.length > 3 ? ",..." : ""})`;
    },
  },
  clusters: {
    title: "TYPE",
    cell: (r) => {
      const custom = record(r.cluster_type);
      if (typeof custom.name === "string") return custom.name;
      // proto3 JSON leaves the default enum value out: no `type` means STATIC.
      return typeof r.type === "string" ? r.type : "STATIC";
    },
  },
  endpoints: {
    title: "ENDPOINTS",
    cell: (r) =>
      String(list(r.endpoints).reduce<number>((n, locality) => n + list(record(locality).lb_endpoints).length, 0)),
  },
  services: {
    title: "PORTS",
    // name:port/appProtocol, http when left out: catalog's `http:8080/http,grpc:9090/grpc`.
    cell: (r) =>
      list(record(r.spec).ports)
        .map(record)
        .map(
          (p) =>
            `${typeof p.name === "string" ? `${p.name}:` : ""}${String(p.port)}/${String(p.appProtocol ?? "http")}`,
        )
        .join(","),
  },
  workloadentries: {
    title: "ADDRESS",
    cell: (r) => {
      const spec = record(r.spec);
      const labels = Object.entries(record(spec.labels)).map(([k, v]) => `${k}=${String(v)}`);
      return `${String(spec.address)}${labels.length > 0 ? ` (${labels.join(",")})` : ""}`;
    },
  },
  httproutes: { title: "PARENTS", cell: (r) => routeSummary(r) },
  grpcroutes: { title: "PARENTS", cell: (r) => routeSummary(r) },
  destinationrules: { title: "HOST", cell: (r) => String(record(r.spec).host) },
};

/** A route's parent Services (`catalog:8080`) and its number of rules. */
function routeSummary(route: Json): string {
  const spec = record(route.spec);
  const parents = list(spec.parentRefs)
    .map(record)
    .map((p) => `${String(p.name)}${p.port === undefined ? "" : `:${String(p.port)}`}`);
  const rules = list(spec.rules).length;
  return `${parents.join(",")} (${rules} rule${rules === 1 ? "" : "s"})`;
}

function tableOf(views: readonly ResourceView[], kinds: readonly ApiKind[]): string {
  const [only] = kinds;
  if (kinds.length === 1 && only !== undefined) {
    return renderTable(
      ["NAME", "VERSION", "REVISION", SUMMARY[only].title],
      views.map((v) => [v.name, shortVersion(v.version), String(v.revision), SUMMARY[only].cell(v.resource)]),
    );
  }
  return renderTable(
    ["KIND", "NAME", "VERSION", "REVISION", "DETAILS"],
    views.map((v) => [
      kindTitle(v.kind),
      v.name,
      shortVersion(v.version),
      String(v.revision),
      `${SUMMARY[v.kind].title.toLowerCase()}: ${SUMMARY[v.kind].cell(v.resource)}`,
    ]),
  );
}

async function run(kindText: string, name: string | undefined, flags: Flags, api: WeftApi): Promise<void> {
  const kinds = kindText.toLowerCase() === "all" ? KIND_ORDER : [requireKind(kindText)];
  let views: ResourceView[];
  if (name !== undefined) {
    const [kind] = kinds;
    if (kinds.length !== 1 || kind === undefined)
      throw new CliError(CliErrorCode.unknownKind, "a NAME needs one KIND; `all` lists every kind");
    views = [await api.get(kind, name)];
  } else {
    views = (await Promise.all(kinds.map((kind) => api.list(kind)))).flatMap((l) => l.items);
  }
  if (flags.output === "table") {
    if (views.length === 0) process.stderr.write(`no ${kinds.length === 1 ? kinds[0] : "resources"} found\n`);
    else process.stdout.write(tableOf(views, kinds));
    return;
  }
  process.stdout.write(documentsText(views.map(documentOf), flags.output, name !== undefined));
}

export function getCommand(): Command {
  const command = new Command("get")
    .description("print resources: one kind, one resource, or all of them")
    .argument(
      "<kind>",
      "listeners, routes, clusters, endpoints, services, workloadentries, httproutes, grpcroutes, destinationrules (or listener, Listener, svc, ...), or all",
    )
    .argument("[name]", "one resource's name")
    .addOption(outputOption(["table", "yaml", "json"], "table"));
  return addClientOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "The table shows each resource's own version (a hash of its content: the version a proxy",
        "shows for it in `weft config-dump`; its first 8 characters, as every table shows versions),",
        "the store revision that last wrote it and a summary (listener address, virtual hosts,",
        "cluster type, endpoint count). -o yaml and -o json print the resources as `weft apply`",
        "documents (kind: Cluster and the canonical Envoy fields), so their output can be applied",
        "back as it is. -o json prints one object for one NAME, a list otherwise.",
        "",
        "Examples:",
        "  $ weft get clusters",
        "  $ weft get listener front -o yaml",
        "  $ weft get all -o yaml > backup.yaml && weft apply -f backup.yaml",
      ].join("\n"),
    )
    .action(async (kind: string, name: string | undefined, flags: Flags) =>
      withApi(flags, (api) => run(kind, name, flags, api)),
    );
}

// `weft get KIND [NAME]`: a table by default; -o yaml|json prints the resources as documents
// `weft apply -f` takes back unchanged.
import { Command } from "commander";
import type { ApiKind, MeshServices, ResourceView, WeftApi } from "../client/index.js";
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
    cell: (r) =>
      portsText(
        list(record(r.spec).ports)
          .map(record)
          .map((p) => ({
            name: typeof p.name === "string" ? p.name : undefined,
            port: Number(p.port),
            appProtocol: typeof p.appProtocol === "string" ? p.appProtocol : "http",
          })),
      ),
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
  faultinjections: { title: "FAULTS", cell: (r) => Object.keys(record(r.spec)).join(",") },
  authorizationpolicies: {
    title: "ACTION/TARGETS",
    cell: (r) => {
      const spec = record(r.spec);
      const refs = list(spec.targetRefs ?? (spec.targetRef === undefined ? [] : [spec.targetRef])).map(record);
      return `${typeof spec.action === "string" ? spec.action : "ALLOW"} ${refs.map((ref) => String(ref.name)).join(",")}`;
    },
  },
  peerauthentications: {
    title: "MODE/TARGETS",
    cell: (r) => {
      const spec = record(r.spec);
      const refs = list(spec.targetRefs ?? (spec.targetRef === undefined ? [] : [spec.targetRef])).map(record);
      const app = record(record(spec.selector).matchLabels).app;
      const targets =
        refs.length > 0 ? refs.map((ref) => String(ref.name)).join(",") : typeof app === "string" ? app : "(mesh)";
      const mode = record(spec.mtls).mode;
      return `${typeof mode === "string" ? mode : "UNSET"} ${targets}`;
    },
  },
};

/** `name:port`, with `/appProtocol` unless it is http: catalog's `http:8080,grpc:9090/grpc`. */
export function portsText(
  ports: readonly { readonly name?: string | undefined; readonly port: number; readonly appProtocol: string }[],
): string {
  return ports
    .map(
      (p) =>
        `${p.name === undefined ? "" : `${p.name}:`}${p.port}${p.appProtocol === "http" ? "" : `/${p.appProtocol}`}`,
    )
    .join(",");
}

/**
 * The services table: each Service's ports, its endpoints healthy/total (WorkloadEntries its
 * selector picks, health as the compiler reads it) and attached routes, from the control plane's
 * summary (GET /v1/mesh/services), which compiles the documents as proxies get them.
 */
export function servicesTable(services: MeshServices["services"]): string {
  return renderTable(
    ["NAME", "PORTS", "ENDPOINTS", "ROUTES", "VERSION", "REVISION"],
    services.map((s) => [
      s.name,
      portsText(s.ports) || "-",
      `${s.endpoints.healthy}/${s.endpoints.total}`,
      s.routes.map((r) => (r.kind === "grpcroutes" ? `grpcroute/${r.name}` : r.name)).join(",") || "-",
      shortVersion(s.version),
      String(s.revision),
    ]),
  );
}

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
  if (flags.output === "table" && kinds.length === 1 && kinds[0] === "services") {
    const { services } = await api.meshServices();
    const shown = name === undefined ? services : services.filter((s) => s.name === name);
    // The same answer `weft get` gives for any other kind: a NAME that does not exist is an error.
    if (name !== undefined && shown.length === 0) await api.get("services", name);
    if (shown.length === 0) process.stderr.write("no services found\n");
    else process.stdout.write(servicesTable(shown));
    return;
  }
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
      "listeners, routes, clusters, endpoints, services, workloadentries, httproutes, grpcroutes, destinationrules, faultinjections (or listener, Listener, svc, ...), or all",
    )
    .argument("[name]", "one resource's name")
    .addOption(outputOption(["table", "yaml", "json"], "table"));
  return addClientOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "`weft get services` (a table) shows each Service's ports, its endpoints as healthy/total (the",
        "WorkloadEntries its selector picks; health from the weft.dev/health annotation) and the",
        "HTTPRoutes and GRPCRoutes attached to it; `weft describe service NAME` shows one in full.",
        "The table shows each resource's own version (a hash of its content: the version a proxy",
        "shows for it in `weft config-dump`; its first 8 characters, as every table shows versions),",
        "the store revision that last wrote it and a summary (listener address, virtual hosts,",
        "cluster type, endpoint count). -o yaml and -o json print the resources as `weft apply`",
        "documents (kind: Cluster and the canonical Envoy fields), so their output can be applied",
        "back as it is. -o json prints one object for one NAME, a list otherwise.",
        "",
        "Examples:",
        "  $ weft get clusters",
        "  $ weft get services",
        "  $ weft get listener front -o yaml",
        "  $ weft get all -o yaml > backup.yaml && weft apply -f backup.yaml",
      ].join("\n"),
    )
    .action(async (kind: string, name: string | undefined, flags: Flags) =>
      withApi(flags, (api) => run(kind, name, flags, api)),
    );
}

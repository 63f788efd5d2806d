// `weft describe service NAME`: one Service as the control plane compiles it
// (GET /v1/mesh/services/NAME): its ports, the routes attached to it with their rules and backend
// shares, its DestinationRule, its endpoints with health and registering sidecar, the connected
// sidecars that may call it, and the compile issues concerning it.
import { Command } from "commander";
import type { MeshService } from "../client/index.js";
import { CliError, CliErrorCode } from "../errors.js";
import { addClientOptions, type ClientFlags, withApi } from "./client-options.js";
import { portsText } from "./get.js";
import { examples } from "./help-examples.js";
import { jsonText, type OutputFormat, outputOption, yamlText } from "./output-format.js";
import { kindOf } from "./resource-kinds.js";
import { renderTable, shortVersion } from "./table.js";

interface Flags extends ClientFlags {
  output: OutputFormat;
}

type Detail = MeshService["service"];

function indent(text: string, by = "  "): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : `${by}${line}`))
    .join("\n");
}

/** `catalog-v1:8080 90 (90%)`; a backend the compiler leaves out says why. */
function backendText(backend: Detail["attachedRoutes"][number]["rules"][number]["backends"][number]): string {
  const target = `${backend.service}:${backend.port}`;
  if (backend.missing) return `${target} (no such Service port: left out)`;
  return `${target} weight ${backend.weight} (${Math.round(backend.share * 1000) / 10}%)`;
}

function routesText(detail: Detail): string {
  if (detail.attachedRoutes.length === 0)
    return "Routes:          none (each port sends to itself, with the mesh's default retries)\n";
  const lines = ["Routes:"];
  for (const route of detail.attachedRoutes) {
    lines.push(
      `  ${route.kind === "grpcroutes" ? "GRPCRoute" : "HTTPRoute"} ${route.name} (ports ${route.ports.join(",")})`,
    );
    if (route.rules.length === 0) lines.push("    no rules: every request gets 404");
    route.rules.forEach((rule, i) => {
      lines.push(`    rule ${i}: ${rule.matches.length === 0 ? "every request" : rule.matches.join(" | ")}`);
      if (rule.backends.length === 0) lines.push("      no backends: 404");
      for (const backend of rule.backends) lines.push(`      -> ${backendText(backend)}`);
      if (rule.filters.length > 0) lines.push(`      filters: ${rule.filters.join(", ")}`);
      if (rule.timeouts !== undefined) lines.push(`      timeouts: ${JSON.stringify(rule.timeouts)}`);
      if (rule.retry !== undefined) lines.push(`      retry: ${JSON.stringify(rule.retry)}`);
    });
  }
  return `${lines.join("\n")}\n`;
}

/** The description as text: one field per line, then tables for endpoints and callers. */
export function describeText(detail: Detail): string {
  const selector = Object.entries(detail.selector).map(([k, v]) => `${k}=${v}`);
  const rule = detail.destinationRule;
  const peer = detail.peerAuthentication;
  const parts = [
    `Name:            ${detail.name}\n`,
    `Revision:        ${detail.revision} (version ${shortVersion(detail.version)})\n`,
    `Selector:        ${selector.length === 0 ? "none (selects no workload)" : selector.join(",")}\n`,
    `Ports:           ${portsText(detail.ports) || "-"}\n`,
    `Endpoints:       ${detail.endpoints.healthy}/${detail.endpoints.total} healthy\n`,
    `DestinationRule: ${rule === null ? "none (mesh defaults)" : `${rule.name} (${Object.keys(rule.trafficPolicy as object).join(", ") || "no traffic policy"})`}\n`,
    `mTLS:            ${peer === null ? "--mtls-mode of the control plane (no PeerAuthentication)" : `${peer.mode} (PeerAuthentication ${peer.name}${peer.meshWide ? ", mesh-wide" : ""})`}\n`,
    routesText(detail),
    "Endpoint list:\n",
    detail.endpointList.length === 0
      ? "  none\n"
      : `${indent(
          renderTable(
            ["ENTRY", "ADDRESS", "PORTS", "HEALTH", "LOCALITY", "WEIGHT", "REGISTERED BY"],
            detail.endpointList.map((e) => [
              e.entry,
              e.address,
              Object.entries(e.ports)
                .map(([name, port]) => `${name}:${port}`)
                .join(",") || "-",
              e.health,
              e.locality || "-",
              String(e.weight),
              e.registeredBy ?? "written",
            ]),
          ).trimEnd(),
        )}\n`,
    "Callers (connected sidecars that may call it):\n",
    detail.callers.length === 0
      ? "  none\n"
      : `${indent(
          renderTable(
            ["NODE", "SERVICE", "DEPENDS"],
            detail.callers.map((c) => [c.nodeId, c.service, c.restricted ? "names it" : "every service"]),
          ).trimEnd(),
        )}\n`,
    "Issues:\n",
    detail.issues.length === 0
      ? "  none\n"
      : `${detail.issues.map((i) => `  ${i.kind}/${i.name} ${i.path}: ${i.message}`).join("\n")}\n`,
  ];
  return parts.join("");
}

export function describeCommand(): Command {
  const command = new Command("describe")
    .description("show one Service as the mesh compiles it: routes, backends, endpoints, callers")
    .argument("<kind>", "service (or svc, services, Service)")
    .argument("<name>", "the Service's name")
    .addOption(outputOption(["table", "yaml", "json"], "table"));
  return addClientOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "Shows the Service's ports; the HTTPRoutes and GRPCRoutes attached to it, each rule's",
        "matches and backends with their share of the traffic as compiled (a backend naming no",
        "Service or port is left out, weight 0 gets nothing); the DestinationRule applied; the",
        "PeerAuthentication deciding its mTLS mode (none: the control plane's --mtls-mode); every",
        "endpoint (a WorkloadEntry its selector picks) with address, health, locality and the sidecar",
        "node that registered it, or `written` for one written by hand; the connected sidecars that",
        "may call it (their depends name it, or they may call every Service); and the compile issues",
        "in documents concerning it. -o yaml and -o json print the same as data. A name no Service",
        "has is WEFT_NOT_FOUND, as for `weft get`.",
        "",
        "Examples:",
        ...examples([
          ["weft describe service catalog", "routes, endpoints and callers of catalog"],
          ["weft describe svc catalog -o yaml", "the same as YAML"],
        ]),
      ].join("\n"),
    )
    .action(async (kindText: string, name: string, flags: Flags) => {
      if (kindOf(kindText) !== "services")
        throw new CliError(
          CliErrorCode.unknownKind,
          `weft describe knows services only, not ${JSON.stringify(kindText)}`,
        );
      const { service } = await withApi(flags, (api) => api.meshService(name));
      if (flags.output === "table") process.stdout.write(describeText(service));
      else process.stdout.write(flags.output === "yaml" ? yamlText([service]) : jsonText(service));
    });
}

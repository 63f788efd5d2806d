// The TcpProxy network filter: one upstream cluster, or a weighted set.
import type { TcpProxy } from "../../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.js";
import { checkRange, UINT32_MAX } from "./core-checks.js";
import { checkDuration, NON_NEGATIVE, ONE_MS } from "./duration-checks.js";
import { field, item, type Problems } from "./problems.js";
import { ValidationCode } from "./validation-codes.js";

export const TCP_PROXY = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

export function checkTcpProxy(problems: Problems, path: string, proxy: TcpProxy): void {
  if (proxy.statPrefix === "")
    problems.add(field(path, "stat_prefix"), ValidationCode.required, "a stat_prefix is required");
  const { cluster, weightedClusters: weighted } = proxy;
  if (cluster === undefined && weighted === undefined) {
    problems.add(path, ValidationCode.required, "needs cluster or weighted_clusters");
  } else if (cluster !== undefined && weighted !== undefined) {
    problems.add(path, ValidationCode.conflict, "set only one of cluster and weighted_clusters");
  }
  if (cluster === "") problems.add(field(path, "cluster"), ValidationCode.required, "a cluster name is required");
  if (weighted !== undefined) {
    if (weighted.clusters.length === 0) {
      problems.add(
        field(path, "weighted_clusters.clusters"),
        ValidationCode.empty,
        "at least one weighted cluster is required",
      );
    }
    weighted.clusters.forEach((entry, i) => {
      const at = item(field(path, "weighted_clusters.clusters"), i);
      if (entry.name === "") problems.add(field(at, "name"), ValidationCode.required, "a cluster name is required");
      checkRange(problems, field(at, "weight"), entry.weight, 1, UINT32_MAX);
    });
  }
  for (const [name, value] of [
    ["idle_timeout", proxy.idleTimeout],
    ["downstream_idle_timeout", proxy.downstreamIdleTimeout],
    ["upstream_idle_timeout", proxy.upstreamIdleTimeout],
  ] as const) {
    checkDuration(problems, field(path, name), value, NON_NEGATIVE);
  }
  checkDuration(problems, field(path, "max_downstream_connection_duration"), proxy.maxDownstreamConnectionDuration, {
    min: ONE_MS,
  });
  checkRange(problems, field(path, "max_connect_attempts"), proxy.maxConnectAttempts, 1, UINT32_MAX);
  if (proxy.hashPolicy.length > 1) {
    problems.add(field(path, "hash_policy"), ValidationCode.outOfRange, "takes at most one hash policy");
  }
  proxy.hashPolicy.forEach((policy, i) => {
    const at = item(field(path, "hash_policy"), i);
    if (policy.sourceIp === undefined && policy.filterState === undefined) {
      problems.add(at, ValidationCode.required, "needs source_ip or filter_state");
    }
    if (policy.filterState !== undefined && policy.filterState.key === "") {
      problems.add(field(at, "filter_state.key"), ValidationCode.required, "a filter state key is required");
    }
  });
}

// A DNS name that resolves, but to no address of the cluster's dns_lookup_family, is a coded
// failure: the warning's reason is WEFT_PROXY_DNS_NO_ADDRESS, as ENOTFOUND is for a name that
// does not resolve at all, and the name's last good addresses are kept.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RuntimeCluster, RuntimeEndpoints } from "../../../data-plane/src/config/index.js";
import { ProxyErrorCode } from "../../../data-plane/src/errors.js";
import { DnsResolution, type LookupAddress } from "../../../data-plane/src/upstream/dns/dns-resolution.js";
import { ManualClock } from "../../time/manual-clock.js";
import { assignment, staticCluster } from "./backends.js";

const cluster: RuntimeCluster = {
  ...staticCluster("dns"),
  type: "STRICT_DNS",
  staticEndpoints: assignment("dns", { host: "svc.test", port: 8080, weight: 1, health: "HEALTHY" }),
  dns: { refreshRateMs: 1000, respectDnsTtl: false, lookupFamily: "V4_ONLY" },
};

test("a name with only IPv6 addresses in a V4_ONLY cluster is logged with the code WEFT_PROXY_DNS_NO_ADDRESS", async () => {
  const clock = new ManualClock(1_700_000_000_000);
  let answer: readonly LookupAddress[] = [{ address: "10.0.0.1", family: 4 }];
  let firstRound!: (endpoints: RuntimeEndpoints) => void;
  let warned!: (details: { reason?: unknown; kept?: unknown }) => void;
  const resolvedOnce = new Promise<RuntimeEndpoints>((resolve) => {
    firstRound = resolve;
  });
  const warning = new Promise<{ reason?: unknown; kept?: unknown }>((resolve) => {
    warned = resolve;
  });
  const resolution = new DnsResolution({
    cluster,
    clock,
    random: () => 0,
    lookup: async () => answer,
    logger: { warn: (details) => warned(details), info: () => {} },
    resolved: (endpoints) => firstRound(endpoints),
  });
  resolution.start();
  const first = await resolvedOnce;
  assert.deepEqual(
    first.localities.flatMap((locality) => locality.endpoints.map((endpoint) => endpoint.host)),
    ["10.0.0.1"],
  );

  answer = [{ address: "::1", family: 6 }];
  await clock.advance(1000);
  const details = await warning;
  resolution.close();
  assert.equal(details.reason, ProxyErrorCode.dnsNoAddress);
  assert.equal(details.reason, "WEFT_PROXY_DNS_NO_ADDRESS");
  assert.deepEqual(details.kept, ["10.0.0.1"], "the last good addresses are kept");
});

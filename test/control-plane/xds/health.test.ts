// grpc.health.v1.Health on the xDS port reflects readiness (issue 3, "gRPC tooling").
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ServiceError } from "@grpc/grpc-js";
import {
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../../proto/gen/grpc/health/v1/health.js";
import { type Harness, startHarness } from "./harness.js";

describe("grpc.health.v1.Health", () => {
  let h: Harness;
  const check = (service = "") =>
    new Promise<HealthCheckResponse>((resolve, reject) =>
      h.health.check({ service }, (error: ServiceError | null, response?: HealthCheckResponse) =>
        error || !response ? reject(error) : resolve(response),
      ),
    );

  before(async () => {
    h = await startHarness({ serving: false });
  });
  after(() => h.close());

  test("Check answers NOT_SERVING before setServing(true), SERVING after, and NOT_SERVING again when turned off", async () => {
    assert.equal((await check()).status, ServingStatus.NOT_SERVING);
    h.server.setServing(true);
    assert.equal((await check()).status, ServingStatus.SERVING);
    h.server.setServing(false);
    assert.equal((await check()).status, ServingStatus.NOT_SERVING);
  });

  test("Watch streams each change of the serving status", async () => {
    const call = h.health.watch({ service: "" });
    const seen: ServingStatus[] = [];
    const wanted = [ServingStatus.NOT_SERVING, ServingStatus.SERVING];
    const done = new Promise<void>((resolve, reject) => {
      call.on("data", (r: HealthCheckResponse) => {
        seen.push(r.status);
        if (seen.length === 1) h.server.setServing(true);
        if (seen.length === wanted.length) resolve();
      });
      call.on("error", (error: ServiceError) => {
        if (seen.length < wanted.length) reject(error);
      });
    });
    await done;
    assert.deepEqual(seen, wanted);
    call.cancel();
  });

  test("an unknown service name is NOT_FOUND", async () => {
    await assert.rejects(check("no.such.Service"), (error: ServiceError) => error.code === 5);
  });
});

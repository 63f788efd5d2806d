import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import type net from "node:net";
import { test } from "node:test";
import { closed, connect, echo, readAll, startBackend, startProxy, tcpCluster } from "./harness.js";

const MB = 1024 * 1024;

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Writes `data` in 64 KiB chunks, waiting for "drain" whenever the socket asks to. */
async function writeAll(socket: net.Socket, data: Buffer): Promise<void> {
  for (let offset = 0; offset < data.length; offset += 64 * 1024) {
    if (!socket.write(data.subarray(offset, offset + 64 * 1024))) {
      await new Promise((resolve) => socket.once("drain", resolve));
    }
  }
}

test("several megabytes make the round trip intact, and the record counts every byte", async () => {
  const backend = await startBackend(echo);
  const proxy = await startProxy({ cluster: "echo" }, [tcpCluster("echo", [backend.port])]);
  const payload = randomBytes(8 * MB);

  const client = await connect(proxy.port);
  const reply = readAll(client);
  await writeAll(client, payload);
  client.end();
  const received = await reply;
  assert.equal(received.length, payload.length);
  assert.equal(sha256(received), sha256(payload));
  await closed(client);

  const record = await proxy.nextRecord();
  assert.equal(record.bytesReceived, payload.length);
  assert.equal(record.bytesSent, payload.length);

  await proxy.close();
  await backend.close();
});

test("a backend that stops reading stops the client too: the proxy does not buffer without bound", async () => {
  let sink: net.Socket | undefined;
  const backend = await startBackend((socket) => {
    sink = socket;
    socket.pause();
  });
  const proxy = await startProxy({ cluster: "sink" }, [tcpCluster("sink", [backend.port])]);
  const client = await connect(proxy.port);

  // Write until the client's socket stays full: only socket buffers along the way can take bytes.
  const limit = 256 * MB;
  const chunk = Buffer.alloc(256 * 1024, 7);
  let written = 0;
  while (written < limit) {
    written += chunk.length;
    if (!client.write(chunk)) {
      const drained = await Promise.race([
        new Promise<boolean>((resolve) => client.once("drain", () => resolve(true))),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300)),
      ]);
      if (!drained) break;
    }
  }
  assert.ok(written < limit, `the client wrote ${written} bytes without stalling`);

  // Once the backend reads again, every byte arrives.
  assert.ok(sink !== undefined);
  const arrived = readAll(sink);
  sink.resume();
  client.end();
  assert.equal((await arrived).length, written);
  sink.end();
  await closed(client);
  const record = await proxy.nextRecord();
  assert.equal(record.bytesReceived, written);

  await proxy.close();
  await backend.close();
});

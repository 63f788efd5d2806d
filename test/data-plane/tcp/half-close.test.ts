import assert from "node:assert/strict";
import { test } from "node:test";
import { closed, connect, readAll, startBackend, startProxy, tcpCluster } from "./harness.js";

test("a client's FIN reaches the backend, which can still answer before closing its side", async () => {
  const backend = await startBackend((socket) => {
    let request = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      request += chunk;
    });
    // Answers only once the client has finished sending.
    socket.on("end", () => socket.end(`got ${request}`));
  });
  const proxy = await startProxy({ cluster: "b" }, [tcpCluster("b", [backend.port])]);

  const client = await connect(proxy.port);
  const reply = readAll(client);
  client.end("question");
  assert.equal((await reply).toString(), "got question");
  await closed(client);
  assert.deepEqual((await proxy.nextRecord()).responseFlags, []);

  await proxy.close();
  await backend.close();
});

test("a backend's FIN reaches the client, which can still send afterwards", async () => {
  let received = "";
  let backendClosed = (): void => {};
  const backendDone = new Promise<void>((resolve) => {
    backendClosed = resolve;
  });
  const backend = await startBackend((socket) => {
    socket.setEncoding("utf8");
    socket.end("bye first\n");
    socket.on("data", (chunk: string) => {
      received += chunk;
    });
    socket.on("close", () => backendClosed());
  });
  const proxy = await startProxy({ cluster: "b" }, [tcpCluster("b", [backend.port])]);

  const client = await connect(proxy.port, true);
  const ended = new Promise((resolve) => client.once("end", resolve));
  client.setEncoding("utf8");
  let greeting = "";
  client.on("data", (chunk: string) => {
    greeting += chunk;
  });
  await ended;
  assert.equal(greeting, "bye first\n");
  client.end("still talking");
  await backendDone;
  assert.equal(received, "still talking");
  await closed(client);

  await proxy.close();
  await backend.close();
});

// Ports for tests. A free 127.0.0.1 port for a test to hand to something that binds it later (a listener in a
// config, a proxy's flag). It is picked below the kernel's ephemeral range: a port the kernel
// handed out for `listen(0)` is soon handed out again, to another server binding port 0 or as
// the local port of an outgoing connection, and the later bind then fails with EADDRINUSE.
// Below that range only an explicit bind can take it.
import { readFileSync } from "node:fs";
import net from "node:net";

const LOWEST = 10_000;

/** The first port of the ephemeral range (Linux's default when it cannot be read). */
function ephemeralStart(): number {
  try {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > LOWEST + 1_000 ? n : 32_768;
  } catch {
    return 32_768;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port below the ephemeral range that could be bound just now (at most 100 tries). */
export async function freePort(): Promise<number> {
  const span = ephemeralStart() - LOWEST;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * span);
    if (await canBind(port)) return port;
  }
  throw new Error("no free port found below the ephemeral range in 100 tries");
}

/** Whether a connection to 127.0.0.1:port is refused (nothing listens there). */
export function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("error", () => resolve(true));
  });
}

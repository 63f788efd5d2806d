// Free TCP ports on 127.0.0.1 for servers that cannot report the port they bound (nginx, and the
// proxy's listeners, whose addresses are set in its config): bind port 0 and read what the kernel
// chose. All are held open together, so the ports returned are distinct.
import { createServer, type Server } from "node:net";

export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
      });
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("no TCP address for a port-0 server");
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

// nginx instances for the data-plane benchmark, each in its own temporary prefix folder with its
// own config, pid file and logs, in the foreground (`daemon off`) with a master and one worker,
// so the PID the benchmark holds is the master's and stopping it stops the worker.
//   - backend: answers every request with 200 "ok" on two ports (two endpoints per cluster);
//   - reference proxy: proxy_pass to the backend ports over kept-alive HTTP/1.1 connections.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BenchProcess } from "./dp-process.js";

/** Requests per kept-alive connection: more than a run sends, so no connection is closed mid-run. */
const KEEPALIVE_REQUESTS = 10_000_000;

function mainConfig(prefix: string, http: string): string {
  // Temporary files in the prefix too: nginx must write nothing outside it.
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((kind) => `  ${kind}_temp_path ${join(prefix, `${kind}_temp`)};`)
    .join("\n");
  return `daemon off;
master_process on;
worker_processes 1;
pid ${join(prefix, "nginx.pid")};
error_log ${join(prefix, "error.log")} warn;
events {
  worker_connections 4096;
}
http {
  access_log off;
${temp}
  keepalive_requests ${KEEPALIVE_REQUESTS};
  keepalive_timeout 75s;
${http}
}
`;
}

export function backendConfig(prefix: string, ports: readonly number[]): string {
  const listen = ports.map((port) => `    listen 127.0.0.1:${port};`).join("\n");
  return mainConfig(
    prefix,
    `  server {
${listen}
    location / {
      default_type text/plain;
      return 200 "ok";
    }
  }`,
  );
}

export function proxyConfig(prefix: string, port: number, upstreamPorts: readonly number[]): string {
  const servers = upstreamPorts.map((p) => `    server 127.0.0.1:${p};`).join("\n");
  return mainConfig(
    prefix,
    `  upstream backend {
${servers}
    keepalive 32;
    keepalive_requests ${KEEPALIVE_REQUESTS};
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`,
  );
}

export interface Nginx {
  readonly process: BenchProcess;
  /** Stops the master (and with it the worker) and removes the prefix folder. */
  stop(): Promise<void>;
}

/** Starts nginx with the config `render(prefix)` returns; resolves once `port` accepts requests. */
export async function startNginx(
  name: string,
  nginx: string,
  render: (prefix: string) => string,
  port: number,
  pin: { cpu?: number | undefined; taskset?: string | undefined },
): Promise<Nginx> {
  const prefix = await mkdtemp(join(tmpdir(), "weft-bench-nginx-"));
  const config = join(prefix, "nginx.conf");
  await writeFile(config, render(prefix));
  // -e: the error log before the config is read, so nothing is written to /var/log.
  const child = new BenchProcess(name, nginx, ["-p", prefix, "-c", config, "-e", join(prefix, "error.log")], pin);
  const stop = async () => {
    // SIGQUIT: graceful shutdown, the worker finishes and exits with the master.
    await child.stop("SIGQUIT", 5_000);
    await rm(prefix, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, 10_000, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { process: child, stop };
}

/** Polls `url` until it answers 200, the process exits, or `timeoutMs` passes. */
export async function waitForHttp(url: string, timeoutMs: number, child: BenchProcess): Promise<void> {
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (!exited && Date.now() < deadline) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${child.name}: ${url} not answering 200 (${exited ? "exited" : last}); output:\n${child.tail()}`);
}

/** The fixed-response backend: one nginx answering on every port of `ports` (the first is polled). */
export function startBackend(nginx: string, ports: readonly number[], pin: StartPin): Promise<Nginx> {
  return startNginx("backend nginx", nginx, (prefix) => backendConfig(prefix, ports), ports[0] as number, pin);
}

type StartPin = { cpu?: number | undefined; taskset?: string | undefined };

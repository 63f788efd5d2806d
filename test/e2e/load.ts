// HTTP clients for the end-to-end tests: one GET on a fresh connection, and steady keep-alive
// load (a few concurrent loops of GETs over a fixed set of connections, HTTP/1.1 through an undici
// Pool or HTTP/2 on one session) recording every status, body and error until stopped.
import http from "node:http";
import http2 from "node:http2";
import { Pool } from "undici";

export interface LoadResult {
  readonly sent: number;
  /** Requests that failed outright (connection error, reset) or answered other than 200. */
  readonly failures: readonly string[];
  /** Bodies of the 200 answers, counted. */
  readonly bodies: ReadonlyMap<string, number>;
}

export interface Load {
  /** Counts so far (a copy). */
  snapshot(): LoadResult;
  /**
   * Resolves once `count` more requests (from now) have ended, counting only 200 answers with
   * `body` when given: how a test lets traffic run through one stage of a change. Rejects, naming
   * what it waited for and what it saw, when that takes longer than `timeoutMs`.
   */
  answered(count: number, body?: string, timeoutMs?: number): Promise<void>;
  /** Stops the loops, waits for requests in flight, closes the connections. */
  stop(): Promise<LoadResult>;
}

/** Starts `concurrency` loops of `GET path` against 127.0.0.1:port. */
export function startLoad(
  port: number,
  options: { readonly concurrency?: number; readonly protocol?: "h1" | "h2"; readonly path?: string } = {},
): Load {
  const concurrency = options.concurrency ?? 8;
  const path = options.path ?? "/";
  const failures: string[] = [];
  const bodies = new Map<string, number>();
  let sent = 0;
  let running = true;
  /** Called after every request with its body (undefined when it failed). */
  const waiters = new Set<(body: string | undefined) => void>();
  const h1 = options.protocol === "h2" ? undefined : new Pool(`http://127.0.0.1:${port}`, { connections: concurrency });
  const h2 = options.protocol === "h2" ? http2.connect(`http://127.0.0.1:${port}`) : undefined;
  h2?.on("error", (error) => failures.push(`session: ${error.message}`));

  const once = async (): Promise<void> => {
    sent++;
    let answered: string | undefined;
    try {
      const { status, body } = h1 ? await getH1(h1, path) : await getH2(h2 as http2.ClientHttp2Session, path);
      if (status === 200) {
        bodies.set(body, (bodies.get(body) ?? 0) + 1);
        answered = body;
      } else failures.push(`${status} ${body.slice(0, 80)}`);
    } catch (error) {
      failures.push(
        error instanceof Error ? `${(error as { code?: string }).code ?? ""} ${error.message}` : String(error),
      );
    }
    for (const waiter of [...waiters]) waiter(answered);
  };
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) await once();
  });
  const snapshot = (): LoadResult => ({ sent, failures: [...failures], bodies: new Map(bodies) });
  const answered = (count: number, body?: string, timeoutMs = 10_000): Promise<void> =>
    new Promise((resolve, reject) => {
      let seen = 0;
      const waiter = (answer: string | undefined): void => {
        if (body === undefined || answer === body) seen++;
        if (seen < count) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        const { sent: total, failures: failed, bodies: counts } = snapshot();
        const what = body === undefined ? "requests" : `answers "${body}"`;
        reject(
          new Error(
            `${seen} of ${count} ${what} within ${timeoutMs} ms (${total} sent, bodies ${JSON.stringify([...counts])}, ${failed.length} failed)`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      waiters.add(waiter);
    });
  return {
    snapshot,
    answered,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      await h1?.close();
      h2?.close();
      return snapshot();
    },
  };
}

async function getH1(pool: Pool, path: string): Promise<{ status: number; body: string }> {
  const res = await pool.request({ method: "GET", path, headers: { host: "e2e.local" } });
  return { status: res.statusCode, body: await res.body.text() };
}

function getH2(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":path": path, ":authority": "e2e.local" });
    let status = 0;
    let body = "";
    stream.setEncoding("utf8");
    stream.on("response", (headers) => {
      status = Number(headers[":status"]);
    });
    stream.on("data", (chunk: string) => {
      body += chunk;
    });
    stream.on("end", () => resolve({ status, body }));
    stream.on("error", reject);
    stream.end();
  });
}

/** GET http://127.0.0.1:port/path on a fresh connection: status, body and headers. */
export function get(
  port: number,
  path = "/",
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
  });
}

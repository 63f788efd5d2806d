// A full garbage collection in another Node process, asked for over the V8 inspector protocol
// (the process runs with --inspect=127.0.0.1:0 and prints its WebSocket address on stderr).
import { WebSocket } from "undici";
import type { BenchProcess } from "./dp-process.js";

/** The inspector's WebSocket URL, from the "Debugger listening on ws://..." line. */
export async function inspectorUrl(child: BenchProcess, timeoutMs: number): Promise<string> {
  const match = await child.waitForStderr(/Debugger listening on (ws:\/\/\S+)/, timeoutMs);
  return match[1] as string;
}

/** Runs HeapProfiler.collectGarbage and resolves once the process answered. */
export async function collectGarbage(url: string, timeoutMs = 10_000): Promise<void> {
  const socket = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the inspector at ${url}`)), timeoutMs);
      socket.addEventListener("error", () => reject(new Error(`inspector connection to ${url} failed`)));
      socket.addEventListener("open", () => {
        socket.send(JSON.stringify({ id: 1, method: "HeapProfiler.collectGarbage" }));
      });
      socket.addEventListener("message", (event) => {
        const message = JSON.parse(String(event.data)) as { id?: number };
        if (message.id !== 1) return;
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    socket.close();
  }
}

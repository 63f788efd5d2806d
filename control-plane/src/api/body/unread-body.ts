// Answering a request whose body the API does not read (over the body limit, or refused before its
// body arrived) without losing the answer. A server that closes its socket while the client is
// still sending makes the kernel reset the connection, and a reset can throw away the response the
// client has not read yet: the client sees EPIPE or ECONNRESET instead of the 413. So, as HTTP/1.1
// servers do (RFC 9112, section 9.6, "lingering close"):
// - an `Expect: 100-continue` request that declares a Content-Length over the limit gets its final
//   answer without "100 Continue" first, so a client that waits for it never sends the body;
// - a response sent before its request's body was read says `Connection: close`; once it is
//   written the server half-closes (FIN) and keeps reading and dropping what the client still
//   sends, until the client closes, the body ends, or a byte or time bound is reached;
// - nothing pipelined behind such a body is served: the server said it closes.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import type { FastifyInstance } from "fastify";

/** How much of an unread body is drained after the answer, at most, before the socket is closed. */
export interface LingerLimits {
  readonly maxBytes: number;
  readonly maxMs: number;
}

export const DEFAULT_LINGER: LingerLimits = { maxBytes: 4 * 1024 * 1024, maxMs: 5000 };

/**
 * Connections whose current response closes them: one whose request declared a body over the
 * limit, or was answered before its body arrived. Requests read behind it are not served.
 */
const closing = new WeakSet<Socket>();

/** The Content-Length the request declares, or undefined (chunked, or none). */
function declaredLength(request: IncomingMessage): number | undefined {
  const header = request.headers["content-length"];
  if (header === undefined || !/^[0-9]+$/.test(header)) return undefined;
  return Number(header);
}

/**
 * Registers the three behaviours above on `app` (its node server and its hooks). Call it before
 * any other onRequest hook, so a request pipelined behind a refused body runs none of them.
 */
export function registerUnreadBodyHandling(app: FastifyInstance, bodyLimit: number, limits: LingerLimits): void {
  // With a 'checkContinue' listener node leaves "100 Continue" to us; without one, it sends it at once.
  app.server.on("checkContinue", (request: IncomingMessage, response: ServerResponse) => {
    if ((declaredLength(request) ?? 0) <= bodyLimit) response.writeContinue();
    app.server.emit("request", request, response);
  });

  app.addHook("onRequest", async (request, reply) => {
    const { raw } = request;
    if (!(raw.socket instanceof Socket)) return;
    // Node parses pipelined requests as they arrive, so this one may come before the answer that
    // closes the connection is written: it gets no answer, and the connection's close ends it.
    if (closing.has(raw.socket)) {
      reply.hijack();
      return;
    }
    // Marked now, before any await: a request parsed behind this one must see it.
    if ((declaredLength(raw) ?? 0) > bodyLimit) closing.add(raw.socket);
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const { raw } = request;
    // inject() has no connection; a request whose body has arrived leaves it open (keep-alive).
    if (!(raw.socket instanceof Socket) || (raw.complete && !closing.has(raw.socket))) return payload;
    closing.add(raw.socket);
    reply.header("connection", "close");
    if (!raw.complete) drainBeforeClosing(raw, raw.socket, limits);
    return payload;
  });
}

function drainBeforeClosing(request: IncomingMessage, socket: Socket, limits: LingerLimits): void {
  // Once the FIN has been written nothing of the response is lost by destroying the socket.
  const close = () => {
    if (socket.writableFinished) socket.destroy();
    else socket.once("finish", () => socket.destroy());
  };
  // Node ends a `Connection: close` exchange by calling destroySoon() once the response is written,
  // which destroys the socket as soon as the FIN is out. This socket drains first.
  socket.destroySoon = () => {
    socket.end();
    const deadline = setTimeout(() => socket.destroy(), limits.maxMs);
    deadline.unref();
    socket.once("close", () => clearTimeout(deadline));
    // Counted on the socket: node's parser drops the body of a request answered unread (dumped)
    // before it reaches the request's own 'data' listeners.
    let drained = 0;
    socket.on("data", (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > limits.maxBytes) socket.destroy();
    });
    // The body is over: nothing more is expected, and nothing more will be served.
    request.once("end", close);
    // A client that gives up mid-body is what this waits for, not a failure.
    request.on("error", () => {});
    if (request.readableEnded) close();
    else request.resume();
  };
}

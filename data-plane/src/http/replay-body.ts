// A request body kept for replay on a retry: it streams to the current attempt as it arrives and
// is copied aside up to a limit. Past the limit the copy is dropped and the request can no longer
// be retried (the attempt in progress keeps streaming). Only requests whose route has a retry
// policy use it; the others stream the downstream request straight through, with no copy.
import { Readable } from "node:stream";
import type { ListenerRequest } from "../listeners/index.js";

/**
 * The most request body kept for a retry. Envoy's per_request_buffer_limit_bytes defaults to
 * 1 MiB; the proxy keeps less per request, as most retried requests carry small bodies and the
 * copy is held until the request ends.
 */
export const REPLAY_BUFFER_LIMIT = 64 * 1024;

/** Counts the downstream body bytes as they arrive (the exchange's bytesReceived). */
export interface BodyCounter {
  bytesReceived: number;
}

export class ReplayBody {
  readonly #req: ListenerRequest;
  readonly #limit: number;
  /** The copy so far; undefined once the body passed the limit. */
  #chunks: Buffer[] | undefined = [];
  #size = 0;
  #ended = false;
  /** The body of the attempt in progress. */
  #current: Readable | undefined = undefined;

  constructor(req: ListenerRequest, counter: BodyCounter, limit = REPLAY_BUFFER_LIMIT) {
    this.#req = req;
    this.#limit = limit;
    req.on("data", (chunk: Buffer) => {
      counter.bytesReceived += chunk.length;
      const chunks = this.#chunks;
      if (chunks !== undefined) {
        this.#size += chunk.length;
        if (this.#size > this.#limit) this.#chunks = undefined;
        else chunks.push(chunk);
      }
      if (this.#current?.push(chunk) === false) req.pause();
    });
    req.once("end", () => {
      this.#ended = true;
      this.#current?.push(null);
    });
  }

  /** Whether a new attempt can still be given the whole body. */
  get replayable(): boolean {
    return this.#chunks !== undefined;
  }

  /**
   * The body for a new attempt: what was copied so far, then what still arrives. The previous
   * attempt's body, if it had not ended, is destroyed (its attempt was given up). Call only while
   * replayable.
   */
  next(): Readable {
    const previous = this.#current;
    const req = this.#req;
    const body = new Readable({
      read() {
        req.resume();
      },
    });
    for (const chunk of this.#chunks ?? []) body.push(chunk);
    if (this.#ended) body.push(null);
    this.#current = body;
    if (previous !== undefined && !this.#ended) previous.destroy();
    return body;
  }
}

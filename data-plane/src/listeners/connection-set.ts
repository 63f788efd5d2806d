// A listener's open downstream sockets: counted for the connection gauge, awaited by drain.

import type net from "node:net";

export class ConnectionSet {
  readonly #sockets = new Set<net.Socket>();
  readonly #onAdd: (() => void) | undefined;

  /** `onAdd` is told of every socket added (for a connections-opened counter). */
  constructor(onAdd?: () => void) {
    this.#onAdd = onAdd;
  }
  #whenEmpty: { promise: Promise<void>; resolve: () => void } | undefined;

  get size(): number {
    return this.#sockets.size;
  }

  /** Tracks `socket` until it emits "close". */
  add(socket: net.Socket): void {
    this.#sockets.add(socket);
    this.#onAdd?.();
    socket.once("close", () => {
      this.#sockets.delete(socket);
      if (this.#sockets.size === 0 && this.#whenEmpty !== undefined) {
        this.#whenEmpty.resolve();
        this.#whenEmpty = undefined;
      }
    });
  }

  [Symbol.iterator](): IterableIterator<net.Socket> {
    return this.#sockets.values();
  }

  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Resolves once no tracked socket remains (at once when there is none). */
  whenEmpty(): Promise<void> {
    if (this.#sockets.size === 0) return Promise.resolve();
    if (this.#whenEmpty === undefined) {
      let resolve = (): void => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#whenEmpty = { promise, resolve };
    }
    return this.#whenEmpty.promise;
  }
}

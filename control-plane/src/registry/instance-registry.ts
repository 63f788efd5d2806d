// The registry of sidecar instances: each registered node has one WorkloadEntry in the store,
// written only here (through the store writer's `asRegistry` path), so registrations share the
// store's revisions and history and survive a control-plane restart. Registering again with what
// is already stored commits nothing. Registrations and deregistrations that arrive in the same turn
// of the event loop, or while a write is in flight, are committed together, as one revision: a
// thousand sidecars starting at once cost a few commits and snapshots, not a thousand.
import { ErrorCode, WeftError } from "../errors.js";
import type { CommitConditions, CommitResult, ConfigStore, Mutation, StoredResource } from "../store/config-store.js";
import { entryNameCandidates } from "./entry-name.js";
import { type Registration, registeredNodeOf, workloadEntryOf } from "./registration.js";

/** One write the registry asks of the store writer: its plan re-runs when another writer got in between. */
export interface RegistryWrite<T> {
  readonly mutations: readonly Mutation[];
  readonly conditions?: CommitConditions;
  readonly description: string;
  readonly done: (result: CommitResult) => T | Promise<T>;
}

/** The store writer (api/store-writer.ts) as the registry uses it: the one writer of registered entries. */
export interface RegistryWriter {
  write<T>(plan: () => Promise<RegistryWrite<T>>, options: { asRegistry: true }): Promise<T>;
}

export interface RegistrationResult {
  readonly nodeId: string;
  /** The WorkloadEntry holding the registration. */
  readonly name: string;
  /** The store revision holding it as registered now. */
  readonly revision: number;
  /** False when the entry already held exactly this registration (no revision was created). */
  readonly changed: boolean;
}

export interface DeregistrationResult {
  readonly nodeId: string;
  readonly name: string;
  readonly revision: number;
}

/** Where a node's entry is, or may go, and what was read to decide it (pinned by the commit). */
interface Slot {
  readonly name: string;
  readonly existing: StoredResource | undefined;
  readonly pins: { kind: "workloadentries"; name: string; modRevision: number }[];
}

export type RegistrationListener = (nodeId: string) => void;

/** A registration or deregistration waiting for the next write. */
type Pending =
  | {
      readonly op: "register";
      readonly registration: Registration;
      readonly settle: Settle<RegistrationResult>;
    }
  | {
      readonly op: "deregister";
      readonly nodeId: string;
      readonly reason: string;
      readonly settle: Settle<DeregistrationResult | undefined>;
    };

interface Settle<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
}

/** One node's part of a batch: its mutation (none when there is nothing to do) and what to answer. */
interface Planned {
  readonly mutation: Mutation | undefined;
  readonly pins: Slot["pins"];
  readonly answer: (commit: CommitResult) => void;
  readonly fail: (error: unknown) => void;
}

/**
 * The most registrations one revision holds. A cold start of many sidecars then costs a few
 * commits (each an fsync) and a few snapshots rather than one of each per sidecar.
 */
export const MAX_BATCH = 1000;

export class InstanceRegistry {
  readonly #store: ConfigStore;
  readonly #writer: RegistryWriter;
  readonly #listeners = new Set<RegistrationListener>();
  /** Registrations and deregistrations waiting for the write in flight to end, in arrival order. */
  readonly #pending: Pending[] = [];
  #writing = false;

  constructor(options: { store: ConfigStore; writer: RegistryWriter }) {
    this.#store = options.store;
    this.#writer = options.writer;
  }

  /**
   * Writes (creates or updates) the entry of `registration.nodeId`, then tells the listeners.
   * Registrations that arrive together are committed together, as one revision.
   */
  async register(registration: Registration): Promise<RegistrationResult> {
    const result = await new Promise<RegistrationResult>((resolve, reject) => {
      this.#enqueue({ op: "register", registration, settle: { resolve, reject } });
    });
    for (const listener of [...this.#listeners]) listener(registration.nodeId);
    return result;
  }

  /** Removes the entry of `nodeId`; undefined when the node has none. Batched like register(). */
  deregister(nodeId: string, reason = "deregister"): Promise<DeregistrationResult | undefined> {
    return new Promise((resolve, reject) => {
      this.#enqueue({ op: "deregister", nodeId, reason, settle: { resolve, reject } });
    });
  }

  #enqueue(pending: Pending): void {
    this.#pending.push(pending);
    if (this.#pending.length > 1 || this.#writing) return;
    // The store commits synchronously (an fsync the event loop waits for), so nothing arrives
    // while a write is in flight: the batch gathers what this turn of the event loop received.
    setImmediate(() => this.#next());
  }

  /**
   * Starts the next write unless one is in flight: the longest run of waiting operations, up to
   * MAX_BATCH, that names each node once (a node's second operation waits for the next write, so
   * each node's operations apply in the order they arrived and each answer is exact).
   */
  #next(): void {
    if (this.#writing || this.#pending.length === 0) return;
    const nodes = new Set<string>();
    let count = 0;
    for (const pending of this.#pending) {
      const node = pending.op === "register" ? pending.registration.nodeId : pending.nodeId;
      if (count >= MAX_BATCH || nodes.has(node)) break;
      nodes.add(node);
      count++;
    }
    const batch = this.#pending.splice(0, count);
    this.#writing = true;
    this.#write(batch)
      .catch((error: unknown) => {
        for (const pending of batch) pending.settle.reject(error);
      })
      .finally(() => {
        this.#writing = false;
        this.#next();
      });
  }

  async #write(batch: readonly Pending[]): Promise<void> {
    let planned: Planned[] = [];
    await this.#writer
      .write(
        async () => {
          // Names the batch claims, so two new nodes whose candidates meet do not take the same one.
          const claimed = new Set<string>();
          planned = [];
          for (const pending of batch) planned.push(await this.#plan(pending, claimed));
          const mutations = planned.flatMap((p) => (p.mutation === undefined ? [] : [p.mutation]));
          const pins = planned.flatMap((p) => p.pins);
          return {
            mutations,
            conditions: { modRevisions: pins },
            description: describeBatch(batch, planned),
            done: (commit: CommitResult) => commit,
          };
        },
        { asRegistry: true },
      )
      .then(
        (commit) => {
          for (const p of planned) p.answer(commit);
        },
        (error: unknown) => {
          for (const p of planned) p.fail(error);
          throw error;
        },
      );
  }

  /** One operation's mutation and answer; a node that cannot be placed fails alone. */
  async #plan(pending: Pending, claimed: Set<string>): Promise<Planned> {
    if (pending.op === "deregister") {
      const { nodeId, settle } = pending;
      const slot = await this.#slot(nodeId, false, claimed);
      if (slot.existing === undefined) {
        return { mutation: undefined, pins: [], answer: () => settle.resolve(undefined), fail: settle.reject };
      }
      return {
        mutation: { op: "delete", kind: "workloadentries", name: slot.name },
        pins: slot.pins,
        answer: (commit) => settle.resolve({ nodeId, name: slot.name, revision: commit.revision }),
        fail: settle.reject,
      };
    }
    const { registration, settle } = pending;
    const { nodeId } = registration;
    let slot: Slot;
    try {
      slot = await this.#slot(nodeId, true, claimed);
    } catch (error) {
      if (!(error instanceof WeftError)) throw error;
      // The rest of the batch goes on without this node.
      return { mutation: undefined, pins: [], answer: () => settle.reject(error), fail: settle.reject };
    }
    claimed.add(slot.name);
    const entry = workloadEntryOf(registration, slot.name);
    return {
      mutation: { op: "put", kind: "workloadentries", name: slot.name, json: entry.json, version: entry.version },
      pins: slot.pins,
      answer: (commit) => {
        const changed = commit.changes.some((c) => c.kind === "workloadentries" && c.name === slot.name);
        settle.resolve({
          nodeId,
          name: slot.name,
          revision: changed ? commit.revision : (slot.existing?.modRevision ?? commit.revision),
          changed,
        });
      },
      fail: settle.reject,
    };
  }

  /** The stored entry of `nodeId`, if it is registered. */
  async entryOf(nodeId: string): Promise<StoredResource | undefined> {
    return (await this.#slot(nodeId, false)).existing;
  }

  /** Every node with a registered entry, from the store. */
  async registeredNodes(): Promise<string[]> {
    const nodes: string[] = [];
    for (const entry of await this.#store.list("workloadentries")) {
      const node = registeredNodeOf(entry.json);
      if (node !== undefined) nodes.push(node);
    }
    return nodes;
  }

  /** Calls `listener` with the node id after each registration is committed, until the returned function is called. */
  subscribe(listener: RegistrationListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * The candidate name holding `nodeId`'s entry; without one, the first free candidate (when
   * `claim`) or the first candidate. Throws WEFT_CONFLICT when every candidate is held by others.
   */
  async #slot(nodeId: string, claim: boolean, claimed: ReadonlySet<string> = new Set()): Promise<Slot> {
    const pins: Slot["pins"] = [];
    let free: string | undefined;
    const candidates = entryNameCandidates(nodeId);
    for (const name of candidates) {
      const existing = await this.#store.get("workloadentries", name);
      pins.push({ kind: "workloadentries", name, modRevision: existing?.modRevision ?? 0 });
      if (existing === undefined) {
        if (!claimed.has(name)) free ??= name;
      } else if (registeredNodeOf(existing.json) === nodeId) return { name, existing, pins };
    }
    if (free !== undefined || !claim) return { name: free ?? candidates[0] ?? nodeId, existing: undefined, pins };
    throw new WeftError(
      ErrorCode.conflict,
      `every WorkloadEntry name node ${JSON.stringify(nodeId)} may take is held by another entry: ${candidates.join(", ")}`,
      { details: candidates.map((name) => ({ path: `workloadentries/${name}`, message: "held by another entry" })) },
    );
  }
}

/** History's line for a batch: the one operation as before, or how many and the first few names. */
function describeBatch(batch: readonly Pending[], planned: readonly Planned[]): string {
  const lines: string[] = [];
  batch.forEach((pending, i) => {
    const mutation = planned[i]?.mutation;
    if (mutation === undefined) return;
    const node = pending.op === "register" ? pending.registration.nodeId : pending.nodeId;
    lines.push(
      pending.op === "register"
        ? `register ${node} as workloadentries/${mutation.name}`
        : `${pending.reason} ${node}: remove workloadentries/${mutation.name}`,
    );
  });
  if (lines.length <= 1) return lines[0] ?? "";
  const shown = lines.slice(0, 3).join("; ");
  return `${lines.length} registry changes: ${shown}${lines.length > 3 ? `; and ${lines.length - 3} more` : ""}`;
}

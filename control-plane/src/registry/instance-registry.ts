// The registry of sidecar instances: each registered node has one WorkloadEntry in the store,
// written only here (through the store writer's `asRegistry` path), so registrations share the
// store's revisions and history and survive a control-plane restart. One change, one revision:
// registering again with what is already stored commits nothing.
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

export class InstanceRegistry {
  readonly #store: ConfigStore;
  readonly #writer: RegistryWriter;
  readonly #listeners = new Set<RegistrationListener>();

  constructor(options: { store: ConfigStore; writer: RegistryWriter }) {
    this.#store = options.store;
    this.#writer = options.writer;
  }

  /** Writes (creates or updates) the entry of `registration.nodeId`, then tells the listeners. */
  async register(registration: Registration): Promise<RegistrationResult> {
    const { nodeId } = registration;
    const result = await this.#writer.write(
      async () => {
        const slot = await this.#slot(nodeId, true);
        const entry = workloadEntryOf(registration, slot.name);
        return {
          mutations: [
            {
              op: "put" as const,
              kind: "workloadentries" as const,
              name: slot.name,
              json: entry.json,
              version: entry.version,
            },
          ],
          conditions: { modRevisions: slot.pins },
          description: `register ${nodeId} as workloadentries/${slot.name}`,
          done: (commit: CommitResult): RegistrationResult => {
            const changed = commit.changes.length > 0;
            return {
              nodeId,
              name: slot.name,
              revision: changed ? commit.revision : (slot.existing?.modRevision ?? commit.revision),
              changed,
            };
          },
        };
      },
      { asRegistry: true },
    );
    for (const listener of [...this.#listeners]) listener(nodeId);
    return result;
  }

  /** Removes the entry of `nodeId`; undefined when the node has none. */
  async deregister(nodeId: string, reason = "deregister"): Promise<DeregistrationResult | undefined> {
    return this.#writer.write(
      async () => {
        const slot = await this.#slot(nodeId, false);
        if (slot.existing === undefined) {
          return { mutations: [], description: "", done: () => undefined };
        }
        return {
          mutations: [{ op: "delete" as const, kind: "workloadentries" as const, name: slot.name }],
          conditions: { modRevisions: slot.pins },
          description: `${reason} ${nodeId}: remove workloadentries/${slot.name}`,
          done: (commit: CommitResult) => ({ nodeId, name: slot.name, revision: commit.revision }),
        };
      },
      { asRegistry: true },
    );
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
  async #slot(nodeId: string, claim: boolean): Promise<Slot> {
    const pins: Slot["pins"] = [];
    let free: string | undefined;
    const candidates = entryNameCandidates(nodeId);
    for (const name of candidates) {
      const existing = await this.#store.get("workloadentries", name);
      pins.push({ kind: "workloadentries", name, modRevision: existing?.modRevision ?? 0 });
      if (existing === undefined) free ??= name;
      else if (registeredNodeOf(existing.json) === nodeId) return { name, existing, pins };
    }
    if (free !== undefined || !claim) return { name: free ?? candidates[0] ?? nodeId, existing: undefined, pins };
    throw new WeftError(
      ErrorCode.conflict,
      `every WorkloadEntry name node ${JSON.stringify(nodeId)} may take is held by another entry: ${candidates.join(", ")}`,
      { details: candidates.map((name) => ({ path: `workloadentries/${name}`, message: "held by another entry" })) },
    );
  }
}

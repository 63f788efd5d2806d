// The store layer's public surface: the ConfigStore contract and its implementations.
export type {
  CommitConditions,
  CommitResult,
  ConfigStore,
  Mutation,
  ResourceChange,
  RevisionRecord,
  StoredResource,
  StoreState,
  WatchEvent,
} from "./config-store.js";
export { DEFAULT_HISTORY_LIMIT } from "./history-window.js";
export { MemoryStore, type MemoryStoreOptions } from "./memory-store.js";
export { SECRET_KEY_MAX, type SecretEntry, type SecretStore } from "./secret-store.js";
export { DATABASE_FILE, SqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";

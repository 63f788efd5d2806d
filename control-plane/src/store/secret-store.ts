// The control plane's own records beside the configuration: the CA's signing key, join tokens'
// hashes, API tokens. They are not resources: no revision, no history, no watch, never in a
// snapshot or the REST API's resource routes, and a rollback does not touch them. Every store
// (SQLite now, etcd later) keeps them with the configuration, so every replica reads the same ones.
import { ErrorCode, WeftError } from "../errors.js";

/** The longest key a secret may have. */
export const SECRET_KEY_MAX = 256;

export interface SecretEntry {
  readonly key: string;
  readonly value: string;
}

export interface SecretStore {
  /** The value under `key`, or undefined. */
  secret(key: string): Promise<string | undefined>;
  /**
   * Writes `value` under `key` unless the key already holds one, atomically (two replicas
   * creating the same key at once keep one value); resolves with the value the key holds
   * afterwards and whether this call wrote it.
   */
  createSecret(key: string, value: string): Promise<{ value: string; created: boolean }>;
  /** Writes `value` under `key`, replacing what it held. */
  putSecret(key: string, value: string): Promise<void>;
  /** Removes `key`; resolves with whether it held a value. */
  deleteSecret(key: string): Promise<boolean>;
  /** Every key starting with `prefix`, with its value, sorted by key. */
  secrets(prefix: string): Promise<SecretEntry[]>;
}

/** A key must be a non-empty string of at most SECRET_KEY_MAX characters (WEFT_INTERNAL otherwise: keys are the code's own). */
export function checkSecretKey(key: string): string {
  if (typeof key !== "string" || key.length === 0 || key.length > SECRET_KEY_MAX) {
    throw new WeftError(ErrorCode.internal, `a secret key must be 1 to ${SECRET_KEY_MAX} characters`);
  }
  return key;
}

import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SECRETS_FILE, fileSecretStore, type Credentials, type SecretStore } from "@orderdeck/console-core";
import { z } from "zod";

// Electron-free: Electron's `safeStorage` satisfies `OsEncryption`.

/** The part of Electron's safeStorage used here. */
export interface OsEncryption {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Uint8Array;
  decryptString(encrypted: Buffer): string;
  /** Linux only: "basic_text" means a hard-coded key, i.e. no real protection. */
  getSelectedStorageBackend?(): string;
}

export interface SecretStoreLogger {
  warn(message: string): void;
}

export const ENCRYPTED_SECRETS_FILE = "credentials.enc";

const Stored = z.object({ stationToken: z.string().nullable(), sessionToken: z.string().nullable() });
const NONE: Credentials = { stationToken: null, sessionToken: null };

/** Whether the OS offers encryption worth using (a keychain, DPAPI, a Secret Service keyring). */
export function osEncryptionUsable(encryption: OsEncryption): boolean {
  if (!encryption.isEncryptionAvailable()) return false;
  const backend = encryption.getSelectedStorageBackend?.();
  return backend === undefined || (backend !== "basic_text" && backend !== "unknown");
}

/**
 * Credentials encrypted with the OS (Electron's safeStorage), in a 0600 file beside the cache. A
 * plain credentials file left by an earlier run or by browser mode is taken over and removed.
 */
export function encryptedSecretStore(dataDir: string, encryption: OsEncryption, log: SecretStoreLogger): SecretStore {
  const file = path.join(dataDir, ENCRYPTED_SECRETS_FILE);
  const plainFile = path.join(dataDir, SECRETS_FILE);

  const store: SecretStore = {
    read() {
      if (!existsSync(file)) return NONE;
      try {
        const text = encryption.decryptString(readFileSync(file));
        const parsed = Stored.safeParse(JSON.parse(text));
        if (parsed.success) return parsed.data;
      } catch {
        // Falls through: a keyring that changed (new OS user, restored backup) cannot decrypt it.
      }
      log.warn("The saved console credentials could not be decrypted; enroll the station and sign in again.");
      return NONE;
    },
    write(credentials) {
      const encrypted = encryption.encryptString(JSON.stringify(Stored.parse(credentials)));
      const temp = `${file}.tmp`;
      writeFileSync(temp, encrypted, { mode: 0o600 });
      chmodSync(temp, 0o600);
      renameSync(temp, file);
    },
  };

  if (existsSync(plainFile)) {
    if (!existsSync(file)) store.write(fileSecretStore(dataDir).read());
    rmSync(plainFile, { force: true });
  }
  return store;
}

/** safeStorage where the OS really encrypts; otherwise console-core's 0600 file, said out loud. */
export function chooseSecretStore(dataDir: string, encryption: OsEncryption, log: SecretStoreLogger): SecretStore {
  if (osEncryptionUsable(encryption)) return encryptedSecretStore(dataDir, encryption, log);
  log.warn(
    "OS encryption for credentials is not available (no keychain / keyring); the station and session tokens are kept in a file only this user can read.",
  );
  return fileSecretStore(dataDir);
}

// Credentials (station token, session token) are kept apart from the database, behind an
// interface: the Electron shell may wrap them with the OS keychain (safeStorage); the default is a
// file only its owner can read. They are never logged and never leave console-core.
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

export interface Credentials {
  stationToken: string | null;
  sessionToken: string | null;
}

export interface SecretStore {
  read(): Credentials;
  write(credentials: Credentials): void;
}

const Stored = z.object({ stationToken: z.string().nullable(), sessionToken: z.string().nullable() });

export const SECRETS_FILE = "credentials.json";

/** The default store: a 0600 JSON file in the data folder, replaced atomically. */
export function fileSecretStore(dataDir: string): SecretStore {
  const file = path.join(dataDir, SECRETS_FILE);
  return {
    read() {
      if (!existsSync(file)) return { stationToken: null, sessionToken: null };
      const parsed = Stored.safeParse(JSON.parse(readFileSync(file, "utf8")));
      return parsed.success ? parsed.data : { stationToken: null, sessionToken: null };
    },
    write(credentials) {
      const temp = `${file}.tmp`;
      writeFileSync(temp, JSON.stringify(credentials), { mode: 0o600 });
      chmodSync(temp, 0o600);
      renameSync(temp, file);
    },
  };
}

/** For tests and for shells that hold credentials elsewhere. */
export function memorySecretStore(initial: Credentials = { stationToken: null, sessionToken: null }): SecretStore {
  let current = { ...initial };
  return {
    read: () => ({ ...current }),
    write: (credentials) => {
      current = { ...credentials };
    },
  };
}

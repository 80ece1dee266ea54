// Credentials through the OS's encryption (Electron's safeStorage) where it really encrypts, the
// 0600 file otherwise. The "OS" here is a reversible stand-in: what is checked is what reaches disk.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SECRETS_FILE, fileSecretStore } from "@orderdeck/console-core";
import { ENCRYPTED_SECRETS_FILE, chooseSecretStore, encryptedSecretStore, osEncryptionUsable, type OsEncryption } from "../src/main/secret-store.ts";

const MASK = 0x5a;
function fakeEncryption(options: { available?: boolean; backend?: string } = {}): OsEncryption {
  return {
    isEncryptionAvailable: () => options.available ?? true,
    encryptString: (text) => Buffer.concat([Buffer.from("v10"), Buffer.from(text, "utf8").map((byte) => byte ^ MASK)]),
    decryptString: (encrypted) => {
      if (encrypted.subarray(0, 3).toString() !== "v10") throw new Error("Error while decrypting the ciphertext provided to safeStorage.decryptString.");
      return Buffer.from(encrypted.subarray(3).map((byte) => byte ^ MASK)).toString("utf8");
    },
    ...(options.backend ? { getSelectedStorageBackend: () => options.backend ?? "" } : {}),
  };
}

const CREDENTIALS = { stationToken: "station-secret-123", sessionToken: "session-secret-456" };

describe("credentials store", () => {
  let dir: string;
  let warnings: string[];
  const log = { warn: (message: string) => warnings.push(message) };
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "orderdeck-secrets-"));
    warnings = [];
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("keeps tokens encrypted in a file only its owner can read", async () => {
    const store = chooseSecretStore(dir, fakeEncryption({ backend: "gnome_libsecret" }), log);
    expect(store.read()).toEqual({ stationToken: null, sessionToken: null });
    store.write(CREDENTIALS);

    const file = path.join(dir, ENCRYPTED_SECRETS_FILE);
    const onDisk = await readFile(file, "latin1");
    expect(onDisk).not.toContain("station-secret-123");
    expect(onDisk).not.toContain("session-secret-456");
    if (process.platform !== "win32") expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(existsSync(path.join(dir, SECRETS_FILE))).toBe(false);
    expect(chooseSecretStore(dir, fakeEncryption(), log).read()).toEqual(CREDENTIALS);
    expect(warnings).toEqual([]);
  });

  it("takes over a plain credentials file and removes it", async () => {
    fileSecretStore(dir).write(CREDENTIALS);
    const store = encryptedSecretStore(dir, fakeEncryption(), log);
    expect(store.read()).toEqual(CREDENTIALS);
    expect(existsSync(path.join(dir, SECRETS_FILE))).toBe(false);
  });

  it("asks to enroll again, with a warning, when the keyring cannot decrypt the file", async () => {
    encryptedSecretStore(dir, fakeEncryption(), log).write(CREDENTIALS);
    const otherKeyring: OsEncryption = { ...fakeEncryption(), decryptString: () => { throw new Error("Error while decrypting"); } };
    expect(encryptedSecretStore(dir, otherKeyring, log).read()).toEqual({ stationToken: null, sessionToken: null });
    expect(warnings).toEqual([expect.stringMatching(/enroll the station and sign in again/)]);
  });

  it("falls back to the 0600 file, saying so, where the OS offers no real encryption", () => {
    expect(osEncryptionUsable(fakeEncryption({ available: false }))).toBe(false);
    // Linux without a keyring: Electron "encrypts" with a hard-coded key.
    expect(osEncryptionUsable(fakeEncryption({ backend: "basic_text" }))).toBe(false);
    expect(osEncryptionUsable(fakeEncryption({ backend: "kwallet5" }))).toBe(true);
    expect(osEncryptionUsable(fakeEncryption())).toBe(true);

    const store = chooseSecretStore(dir, fakeEncryption({ backend: "basic_text" }), log);
    store.write(CREDENTIALS);
    expect(existsSync(path.join(dir, SECRETS_FILE))).toBe(true);
    expect(existsSync(path.join(dir, ENCRYPTED_SECRETS_FILE))).toBe(false);
    expect(warnings).toEqual([expect.stringMatching(/not available.*only this user can read/)]);
  });
});

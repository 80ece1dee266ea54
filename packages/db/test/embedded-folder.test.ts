// The embedded PostgreSQL runs as the system user "postgres" when started as root (PostgreSQL
// refuses to run as root). A data folder inside a folder that user may not enter (npm start run as
// root with its data under /root, say) is refused before PostgreSQL is started, naming the folder in
// the way; a folder it can reach starts as before. Real folders, a real cluster, as root.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataFolderUnreachable, startEmbeddedPostgres } from "../src/embedded.ts";

const asRoot = process.getuid?.() === 0;
const made: string[] = [];

afterEach(async () => {
  for (const folder of made.splice(0)) await rm(folder, { recursive: true, force: true });
});

// As another user PostgreSQL runs as that user, who can reach whatever it can create: nothing to refuse.
describe.skipIf(!asRoot)("a data folder the postgres user cannot reach (started as root)", () => {
  it("is refused before PostgreSQL starts, naming the folder in the way; opened, the same folder starts", { timeout: 120_000 }, async () => {
    // mkdtemp makes the folder 0700, like /root.
    const locked = await mkdtemp(path.join(tmpdir(), "orderdeck-locked-"));
    made.push(locked);
    const dataDir = path.join(locked, "shop", ".data", "postgres");

    const refused = await startEmbeddedPostgres({ dataDir, ephemeral: true }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DataFolderUnreachable);
    expect(refused).toMatchObject({ folder: dataDir, blockedAt: locked });
    expect((refused as Error).message).toBe(
      `the system user "postgres" that runs the embedded PostgreSQL cannot reach ${dataDir}: it may not enter ${locked} (mode 0700, owner uid 0)`,
    );
    expect(existsSync(path.join(dataDir, "pg"))).toBe(false);

    await chmod(locked, 0o711);
    const cluster = await startEmbeddedPostgres({ dataDir, ephemeral: true });
    try {
      expect(existsSync(path.join(dataDir, "pg", "PG_VERSION"))).toBe(true);
    } finally {
      await cluster.stop();
    }
  });
});

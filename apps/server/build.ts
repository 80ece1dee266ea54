// `npm run build -w @orderdeck/server`: the server compiled into one JavaScript file,
// dist/main.js, which the systemd units run with Node alone. Run through tsx instead, every
// process also carries tsx's module loader, a thread with a V8 heap of its own (about 35 MiB
// before the server loads a module), and compiles its TypeScript as it starts.
//
// The workspace packages are compiled in. Every other package stays outside and is imported from
// the file Node would load for the source file that imports it: a package can keep its own copy
// of a dependency in its node_modules, which a bare name resolved from dist/ would miss. Those
// imports are relative to the output, so the checkout may move once built.
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

export const SERVER_ENTRY = fileURLToPath(new URL("src/main.ts", import.meta.url));
export const SERVER_BUNDLE = fileURLToPath(new URL("dist/main.js", import.meta.url));

const WORKSPACE_SCOPE = "@orderdeck/";
// Set on the resolutions this plugin asks esbuild for itself, so that it does not answer them.
const RESOLVING_OUTSIDE = Symbol("resolving an outside package");

function outsidePackagesFrom(outDir: string): Plugin {
  return {
    name: "outside-packages",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith(WORKSPACE_SCOPE) || args.pluginData === RESOLVING_OUTSIDE) return undefined;
        const found = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: RESOLVING_OUTSIDE });
        if (found.errors.length > 0) return { errors: found.errors };
        // Node's built-ins (node:fs) come back external, by their own name.
        if (found.external) return { path: args.path, external: true };
        const relative = path.relative(outDir, found.path).split(path.sep).join("/");
        return { path: relative.startsWith(".") ? relative : `./${relative}`, external: true };
      });
    },
  };
}

/**
 * Compiles `entry` (a server entry point: the server's own, or one composing it the same way)
 * into `outfile`. The file is replaced whole, so a process starting from it meanwhile reads the
 * old file or the new one, never half of one.
 */
export async function bundleServer(entry = SERVER_ENTRY, outfile = SERVER_BUNDLE): Promise<void> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    target: "node20",
    // As Node resolves: an export's "import" or "require" and "node" conditions, a package's "main" field.
    conditions: [],
    mainFields: ["main"],
    logLevel: "warning",
    plugins: [outsidePackagesFrom(path.dirname(outfile))],
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild wrote nothing for ${entry}`);
  await mkdir(path.dirname(outfile), { recursive: true });
  const partial = `${outfile}.${process.pid}.partial`;
  await writeFile(partial, output.contents);
  await rename(partial, outfile);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundleServer();
  console.log(`built ${path.relative(process.cwd(), SERVER_BUNDLE)}`);
}

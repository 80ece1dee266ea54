// The two rules of the code's shape that ESLint cannot check file by file: no circle in the import
// graph of any package, and no hand-written source file longer than a person reads without
// scrolling for long. Run by `npm run lint`; prints each offence and exits 1 when there is one.
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(import.meta.dirname, "..");
const MAX_LINES = 400;
const SOURCE = /\.(ts|tsx|mts)$/;
// Generated clients and migrations are not written by hand; dependencies and build output are not ours.
const SKIPPED = new Set(["node_modules", "generated", "migrations", "dist", "out", ".turbo", "test-results", "playwright-report", ".data"]);
const SCANNED = ["packages", "apps", "e2e", "reliability", "bench", "scripts"];

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIPPED.has(name)) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) found.push(...sourceFiles(full));
    else if (SOURCE.test(name) && !name.endsWith(".d.ts")) found.push(full);
  }
  return found;
}

/** The files a file imports by relative path (package imports are the layers' rule, checked by ESLint). */
function relativeImports(file: string, text: string, known: ReadonlySet<string>): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  const targets: string[] = [];
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith(".")) continue;
    const base = path.resolve(path.dirname(file), fileName);
    const candidates = [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts"), base.replace(/\.js$/, ".ts")];
    const target = candidates.find((candidate) => known.has(candidate));
    if (target) targets.push(target);
  }
  return targets;
}

/** Every circle, each reported once, as the path that closes it. */
function circles(graph: ReadonlyMap<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

const files = SCANNED.flatMap((dir) => sourceFiles(path.join(ROOT, dir)));
const known = new Set(files);
const graph = new Map<string, string[]>();
const problems: string[] = [];
for (const file of files) {
  const text = readFileSync(file, "utf8");
  graph.set(file, relativeImports(file, text, known));
  const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  if (lines > MAX_LINES) problems.push(`${path.relative(ROOT, file)} has ${lines} lines; split it where its jobs part (at most ${MAX_LINES}).`);
}
for (const circle of circles(graph)) {
  problems.push(`import circle: ${circle.map((file) => path.relative(ROOT, file)).join(" → ")}`);
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`code shape: ${files.length} files, none over ${MAX_LINES} lines, no import circle`);

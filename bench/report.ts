// What a benchmark answers, how it is printed, and how docs/benchmarks.md is kept: each benchmark
// owns one section between `<!-- bench:<id>:start -->` and `<!-- bench:<id>:end -->`, rewritten
// on every run; everything outside the markers is written by hand and left alone.
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import type { LoadFigures } from "./load.ts";

export interface Target {
  what: string;
  /** The figure measured and the limit it is held to (same unit). */
  value: number;
  limit: number;
  unit: string;
  /** The figure must reach the limit (a rate) instead of staying within it (a time). */
  atLeast?: boolean;
}

export interface BenchResult {
  id: string;
  title: string;
  /** What was measured, in a sentence or two (shown above the table). */
  about: string;
  runs: Array<{ label: string; figures: LoadFigures }>;
  /** Ratios of the API to the bare floor measured in the same run. */
  ratios: Array<{ what: string; value: number }>;
  targets: Target[];
  /** Other figures (memory, sizes), as label → text. */
  facts?: Array<[string, string]>;
  notes?: string[];
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "–");

export function targetLine(t: Target): string {
  if (!Number.isFinite(t.value)) return `${t.what}: **not measured** (no answers in the measured run)`;
  const met = t.atLeast ? t.value >= t.limit : t.value <= t.limit;
  const verdict = met
    ? "**met**"
    : t.atLeast
      ? `**missed** by ${(t.limit - t.value).toFixed(2)} ${t.unit} (${((1 - t.value / t.limit) * 100).toFixed(0)} % under)`
      : `**missed** by ${(t.value - t.limit).toFixed(2)} ${t.unit} (${((t.value / t.limit - 1) * 100).toFixed(0)} % over)`;
  return `${t.what}: ${t.value.toFixed(2)} ${t.unit} against ${t.limit} ${t.unit}, ${verdict}`;
}

export function renderResult(r: BenchResult): string {
  const lines = [`### ${r.title}`, "", r.about, ""];
  if (r.runs.length > 0) {
    lines.push("| run | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | answers | no answer |", "|---|---:|---:|---:|---:|---:|---:|---|---:|");
    for (const { label, figures: f } of r.runs) {
      const answers = Object.entries(f.statuses).map(([status, n]) => `${status}: ${n}`).join(", ");
      lines.push(`| ${label} | ${f.requests} | ${f.throughput.toFixed(0)} | ${ms(f.p50)} | ${ms(f.p90)} | ${ms(f.p99)} | ${ms(f.max)} | ${answers} | ${f.errors} |`);
    }
    lines.push("");
  }
  for (const [label, text] of r.facts ?? []) lines.push(`- ${label}: ${text}`);
  for (const ratio of r.ratios) lines.push(`- ${ratio.what}: **${ratio.value.toFixed(2)}×**`);
  for (const target of r.targets) lines.push(`- Target — ${targetLine(target)}`);
  for (const note of r.notes ?? []) lines.push(`- ${note}`);
  return lines.join("\n");
}

/** The same, for the terminal. */
export function printResult(r: BenchResult, print: (line: string) => void): void {
  print(`\n== ${r.title}`);
  for (const { label, figures: f } of r.runs) {
    print(
      `  ${label.padEnd(44)} ${f.throughput.toFixed(0).padStart(7)} req/s  p50 ${ms(f.p50).padStart(7)} ms  p99 ${ms(f.p99).padStart(7)} ms  ${JSON.stringify(f.statuses)}${f.errors ? `  no answer: ${f.errors}` : ""}`,
    );
  }
  for (const [label, text] of r.facts ?? []) print(`  ${label}: ${text}`);
  for (const ratio of r.ratios) print(`  ${ratio.what}: ${ratio.value.toFixed(2)}x`);
  for (const target of r.targets) print(`  target: ${targetLine(target).replaceAll("**", "")}`);
}

const NEW_SECTIONS = "<!-- bench:new-sections-above -->";

/** Rewrites one section of the document (adding it before the new-sections marker when missing). */
export function withSection(document: string, id: string, body: string): string {
  const start = `<!-- bench:${id}:start -->`;
  const end = `<!-- bench:${id}:end -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from >= 0 && to > from) return `${document.slice(0, from)}${block}${document.slice(to + end.length)}`;
  const at = document.indexOf(NEW_SECTIONS);
  if (at >= 0) return `${document.slice(0, at)}${block}\n\n${document.slice(at)}`;
  return `${document.trimEnd()}\n\n${block}\n`;
}

export async function updateDocument(file: string, sections: Array<[string, string]>): Promise<void> {
  let document = existsSync(file) ? await readFile(file, "utf8") : `# Benchmarks\n\n${NEW_SECTIONS}\n`;
  for (const [id, body] of sections) document = withSection(document, id, body);
  await writeFile(file, document);
}

/** One figure of a run, for a script to compare runs by (docs/benchmarks.json). */
export interface FigureRecord {
  benchmark: string;
  figure: string;
  value: number | null;
  unit: string;
  /** What the figure is a ratio against, when it is one. */
  floor: string | null;
  ratio: number | null;
  /** The limit the figure is held to, and whether the last run met it. */
  target: number | null;
  met: boolean | null;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? Number(v.toPrecision(6)) : null);

export function figureRecords(r: BenchResult): FigureRecord[] {
  const records: FigureRecord[] = [];
  const plain = (figure: string, value: number, unit: string): FigureRecord => ({ benchmark: r.id, figure, value: finite(value), unit, floor: null, ratio: null, target: null, met: null });
  for (const { label, figures } of r.runs) {
    records.push(plain(`${label}: throughput`, figures.throughput, "req/s"), plain(`${label}: p50`, figures.p50, "ms"), plain(`${label}: p99`, figures.p99, "ms"));
  }
  for (const { what, value } of r.ratios) {
    // "lookup p50, API ÷ its SQL through pg": the floor is what follows the division sign.
    const floor = what.includes("÷") ? (what.split("÷").pop()?.trim() ?? null) : null;
    records.push({ benchmark: r.id, figure: what, value: finite(value), unit: "×", floor, ratio: finite(value), target: null, met: null });
  }
  for (const t of r.targets) {
    const met = Number.isFinite(t.value) ? (t.atLeast ? t.value >= t.limit : t.value <= t.limit) : false;
    records.push({ benchmark: r.id, figure: t.what, value: finite(t.value), unit: t.unit, floor: null, ratio: t.unit === "×" ? finite(t.value) : null, target: t.limit, met });
  }
  return records;
}

/**
 * Rewrites the records of the benchmarks that ran, keeping the others' (like the document's
 * sections), with when and how the run was made.
 */
export async function updateFigures(file: string, run: { date: string; mode: string }, results: BenchResult[]): Promise<void> {
  let kept: FigureRecord[] = [];
  if (existsSync(file)) {
    const previous = JSON.parse(await readFile(file, "utf8")) as { figures?: FigureRecord[] };
    const ran = new Set(results.map((r) => r.id));
    kept = (previous.figures ?? []).filter((f) => !ran.has(f.benchmark));
  }
  const figures = [...kept, ...results.flatMap(figureRecords)];
  await writeFile(file, `${JSON.stringify({ ...run, figures }, null, 1)}\n`);
}

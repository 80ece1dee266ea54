// The table of docs/benchmarks.md's results: every target of several full runs with the median,
// the range and the verdict on the median.
//
//   npx tsx bench/median.ts run1.json run2.json run3.json
//
// Each file is a docs/benchmarks.json written by `npm run bench` (copy it away after each run).
import { readFileSync } from "node:fs";
import type { FigureRecord } from "./report.ts";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: tsx bench/median.ts <benchmarks.json> …");
  process.exit(2);
}
const runs = files.map((file) => (JSON.parse(readFileSync(file, "utf8")) as { figures: FigureRecord[] }).figures);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const shown = (value: number): string => (Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : Math.abs(value) >= 0.1 ? value.toFixed(2) : value.toFixed(3));

const targets = (runs[0] ?? []).filter((f) => f.target !== null);
console.log(`| target | median of ${runs.length} runs (range) | verdict |`);
console.log("|---|---|---|");
for (const target of targets) {
  const records = runs.map((figures) => figures.find((f) => f.benchmark === target.benchmark && f.figure === target.figure));
  const values = records.flatMap((r) => (r?.value === null || r?.value === undefined ? [] : [r.value]));
  if (values.length === 0 || target.target === null) continue;
  // Which way the target points follows from a run's verdict and value: met above it, or missed below it.
  const atLeast = records.some((r) => r !== undefined && r.value !== null && r.target !== null && (r.met ? r.value > r.target : r.value < r.target));
  const middle = median(values);
  const met = atLeast ? middle >= target.target : middle <= target.target;
  const metRuns = records.filter((r) => r?.met === true).length;
  const unit = target.unit === "×" ? "×" : ` ${target.unit}`;
  const range = values.length > 1 ? ` (${shown(Math.min(...values))}–${shown(Math.max(...values))})` : "";
  const verdict = met ? `met${metRuns < records.length ? ` (in ${metRuns} runs of ${records.length})` : ""}` : `**missed**${metRuns > 0 ? ` (met in ${metRuns} of ${records.length})` : ""}`;
  console.log(`| ${target.benchmark}: ${target.figure} | ${shown(middle)}${unit}${range} | ${verdict} |`);
}

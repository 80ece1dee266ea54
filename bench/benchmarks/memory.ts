// Memory of the server processes once every load run is over: the API and, when the worker
// benchmark ran, the product's worker process.
import { memoryOf, type BenchEnvironment } from "../environment.ts";
import type { BenchResult, Target } from "../report.ts";

// Issue 18's ceilings on peak resident memory under the load runs, by process label.
const PEAK_CEILING_MIB: Record<string, number> = { API: 300, worker: 250 };

export async function benchMemory(env: BenchEnvironment): Promise<BenchResult> {
  const facts: Array<[string, string]> = [];
  const targets: Target[] = [];
  for (const { label, pid } of env.processes()) {
    const memory = await memoryOf(pid);
    // A process that has gone (the bare floor's worker, stopped after its run) has no memory to report.
    if (!memory) continue;
    facts.push([`${label} RSS`, `${memory.rssMiB.toFixed(0)} MiB now, ${memory.peakRssMiB.toFixed(0)} MiB at its peak`]);
    const ceiling = PEAK_CEILING_MIB[label];
    if (ceiling !== undefined) targets.push({ what: `${label} peak RSS under ${ceiling} MiB`, value: memory.peakRssMiB, limit: ceiling, unit: "MiB" });
  }
  if (facts.length === 0) facts.push(["RSS", "not available on this platform"]);
  return {
    id: "memory",
    title: "Memory after the load runs",
    about:
      "Resident memory (Linux /proc: VmRSS now, VmHWM at its peak) of the server processes after every benchmark above has run against them: " +
      "the API, and the worker process when the worker benchmark ran (it stays up after its runs).",
    runs: [],
    ratios: [],
    targets,
    facts,
  };
}

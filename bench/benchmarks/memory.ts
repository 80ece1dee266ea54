// Memory of the server processes once every load run is over: the API and, when the worker
// benchmark ran, the product's worker process.
import { memoryOf, type BenchEnvironment } from "../environment.ts";
import type { BenchResult } from "../report.ts";

export async function benchMemory(env: BenchEnvironment): Promise<BenchResult> {
  const facts: Array<[string, string]> = [];
  for (const { label, pid } of env.processes()) {
    const memory = await memoryOf(pid);
    // A process that has gone (the bare floor's worker, stopped after its run) has no memory to report.
    if (!memory) continue;
    facts.push([`${label} RSS`, `${memory.rssMiB.toFixed(0)} MiB now, ${memory.peakRssMiB.toFixed(0)} MiB at its peak`]);
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
    targets: [],
    facts,
  };
}

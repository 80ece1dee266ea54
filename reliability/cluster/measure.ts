// What one process of the cluster holds, read from Linux's /proc (docs/SCALING.md quotes it):
// resident memory now and at its peak, and its open TCP connections by the port they lead to.
import { readdir, readFile, readlink } from "node:fs/promises";

export interface ProcessFootprint {
  /** Resident set size now, and the highest it reached, in MiB. */
  rssMiB: number;
  peakRssMiB: number;
  /** Established connections to each named port. */
  connections: Record<string, number>;
}

async function statusMiB(pid: number, field: "VmRSS" | "VmHWM"): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return Math.round(kib / 102.4) / 10;
}

/** Socket inode → remote port, for every established TCP connection of the machine. */
async function remotePorts(): Promise<Map<string, number>> {
  const byInode = new Map<string, number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const lines = (await readFile(table, "utf8").catch(() => "")).split("\n").slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      // local_address rem_address st … inode; st 01 is ESTABLISHED.
      if (fields.length < 10 || fields[3] !== "01") continue;
      const remote = fields[2]?.split(":")[1];
      if (remote && fields[9]) byInode.set(fields[9], Number.parseInt(remote, 16));
    }
  }
  return byInode;
}

export async function footprint(pid: number, ports: Record<string, number>): Promise<ProcessFootprint> {
  const byInode = await remotePorts();
  const connections = Object.fromEntries(Object.keys(ports).map((name) => [name, 0]));
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    const port = inode ? byInode.get(inode) : undefined;
    for (const [name, wanted] of Object.entries(ports)) if (port === wanted) connections[name] = (connections[name] ?? 0) + 1;
  }
  return { rssMiB: await statusMiB(pid, "VmRSS"), peakRssMiB: await statusMiB(pid, "VmHWM"), connections };
}

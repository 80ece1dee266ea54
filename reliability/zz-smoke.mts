import { startCluster } from "./cluster/cluster.ts";
const c = await startCluster({ apis: 1, workers: 2, extraEnvironment: { LOG_LEVEL: "info", WORKER_HEARTBEAT_STALE_SECONDS: "5" } });
const beats = async () => (await c.pool.query("select worker_id, now()-last_beat_at as age from worker_heartbeats")).rows.map((r) => JSON.stringify(r)).join(" ");
console.log("beats", await beats());
await c.killWorker(0);
await c.restartPgBouncer(); console.log("pgb restarted");
await new Promise((r) => setTimeout(r, 3000));
console.log("beats", await beats().catch(String));
await c.restartPostgres(); console.log("pg restarted");
for (let i = 0; i < 6; i++) { await new Promise((r) => setTimeout(r, 3000)); console.log("beats", await beats().catch(String)); }
console.log(c.workers[1]?.output().split("\n").filter(l => !l.includes('"level":"debug"')).slice(-40).join("\n"));
await c.stop();

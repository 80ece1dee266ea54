// The files of deploy/, as docs/DEPLOY.md has an operator install them, rewritten only where a
// machine differs: ports, paths, addresses. Each rewrite names the line it expects and fails when
// the file no longer has it, so the scenario can never drift from what the documents ship.
import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../api-process.ts";

export const DEPLOY_DIR = path.join(REPO_ROOT, "deploy");

function read(relative: string): string {
  return readFileSync(path.join(DEPLOY_DIR, relative), "utf8");
}

/** Replaces what `pattern` matches (it must match) with `replacement`. */
function rewrite(text: string, file: string, pattern: RegExp, replacement: string | ((match: string) => string)): string {
  if (!pattern.test(text)) throw new Error(`deploy/${file} no longer has ${pattern}: update the scenario with the file`);
  return text.replace(pattern, replacement as string);
}

/** `key = value` of an ini section, set to `value`. */
function setIni(text: string, key: string, value: string): string {
  return rewrite(text, "pgbouncer/pgbouncer.ini", new RegExp(`^${key}\\s*=.*$`, "m"), `${key} = ${value}`);
}

/** deploy/pgbouncer/pgbouncer.ini for PostgreSQL on `postgresPort`, listening on `listenPort`, with its files in `dir`. */
export function pgbouncerIni(options: { postgresPort: number; listenPort: number; dir: string }): string {
  let text = read("pgbouncer/pgbouncer.ini");
  text = rewrite(text, "pgbouncer/pgbouncer.ini", /^orderdeck = host=127\.0\.0\.1 port=5432 dbname=orderdeck$/m, `orderdeck = host=127.0.0.1 port=${options.postgresPort} dbname=orderdeck`);
  text = setIni(text, "listen_port", String(options.listenPort));
  text = setIni(text, "auth_file", path.join(options.dir, "userlist.txt"));
  text = setIni(text, "logfile", path.join(options.dir, "pgbouncer.log"));
  text = setIni(text, "pidfile", path.join(options.dir, "pgbouncer.pid"));
  return text;
}

/** A userlist.txt line as docs/DEPLOY.md makes it: the role's SCRAM secret from pg_authid. */
export function userlistLine(role: string, scramSecret: string): string {
  if (!scramSecret.startsWith("SCRAM-SHA-256$")) throw new Error(`role ${role} has no SCRAM secret (password_encryption must be scram-sha-256)`);
  return `"${role}" "${scramSecret}"\n`;
}

/**
 * deploy/nginx/orderdeck.conf listening on 127.0.0.1:`listenPort` in front of the API processes on
 * `apiPorts`, logging into `dir`; each upstream line keeps the file's parameters.
 */
export function nginxSite(options: { listenPort: number; apiPorts: number[]; dir: string }): string {
  const file = "nginx/orderdeck.conf";
  let text = read(file);
  const serverLine = /^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;\n/m;
  const first = serverLine.exec(text);
  if (!first) throw new Error(`deploy/${file} has no upstream server line`);
  const [, indent = "", parameters = ""] = first;
  text = text.replace(new RegExp(serverLine.source, "gm"), "");
  text = rewrite(text, file, /^(upstream orderdeck_api \{\n(?:\s*#.*\n)*)/m, (head) => head + options.apiPorts.map((port) => `${indent}server 127.0.0.1:${port}${parameters};\n`).join(""));
  text = rewrite(text, file, /^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${options.listenPort};`);
  text = rewrite(text, file, /access_log \/var\/log\/nginx\/orderdeck\.access\.log/, `access_log ${path.join(options.dir, "access.log")}`);
  return text;
}

/**
 * What Debian's /etc/nginx/nginx.conf gives a site: the `http` block around it. Here in the
 * foreground, with its pid, logs and temporary files in `dir`.
 */
export function nginxMain(options: { dir: string; sitePath: string }): string {
  const temp = (name: string) => path.join(options.dir, name);
  return [
    "daemon off;",
    "worker_processes 1;",
    `pid ${temp("nginx.pid")};`,
    `error_log ${temp("error.log")} warn;`,
    "events { worker_connections 1024; }",
    "http {",
    `  client_body_temp_path ${temp("client-body")};`,
    `  proxy_temp_path ${temp("proxy")};`,
    `  fastcgi_temp_path ${temp("fastcgi")};`,
    `  uwsgi_temp_path ${temp("uwsgi")};`,
    `  scgi_temp_path ${temp("scgi")};`,
    `  include ${options.sitePath};`,
    "}",
    "",
  ].join("\n");
}

/** KEY=VALUE lines of a systemd EnvironmentFile (comments and blank lines skipped, quotes taken off). */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const at = line.indexOf("=");
    if (at <= 0) throw new Error(`not KEY=VALUE: ${line}`);
    const value = line.slice(at + 1).trim();
    env[line.slice(0, at)] = /^".*"$/.test(value) ? value.slice(1, -1) : value;
  }
  return env;
}

/** deploy/systemd/orderdeck.env.example. */
export function exampleEnvironment(): Record<string, string> {
  return parseEnvironmentFile(read("systemd/orderdeck.env.example"));
}

export interface UnitCommand {
  /** ExecStart, split into words, with %i replaced. */
  argv: string[];
  /** The unit's own Environment= lines, with %i replaced. */
  env: Record<string, string>;
  workingDirectory: string | undefined;
}

/** The command and environment of a systemd unit of deploy/systemd, for instance `instance`. */
export function unitCommand(unit: string, instance = ""): UnitCommand {
  const text = read(path.join("systemd", unit)).replaceAll("%i", instance);
  const values = (key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].map((m) => (m[1] ?? "").trim());
  const execStart = values("ExecStart")[0];
  if (!execStart) throw new Error(`deploy/systemd/${unit} has no ExecStart`);
  return {
    argv: execStart.split(/\s+/),
    env: parseEnvironmentFile(values("Environment").join("\n")),
    workingDirectory: values("WorkingDirectory")[0],
  };
}

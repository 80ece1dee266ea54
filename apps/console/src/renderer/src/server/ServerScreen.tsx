import { useQuery } from "@tanstack/react-query";
import type { ServerStatus } from "../../../shared/local-api.ts";
import { useTRPC } from "../trpc.ts";
import { When } from "../ui/time.tsx";

/** Often enough that a returning server shows up quickly, rare enough to cost the server nothing. */
export const REFRESH_INTERVAL_MS = 3_000;

type View =
  | { kind: "checking" }
  | { kind: "known"; server: ServerStatus }
  // The local side (main process / browser-mode host) did not answer: distinct from "server down".
  | { kind: "local-failure"; message: string; last: ServerStatus | null };

/** The server's address, reachability and readiness checks, as the console sees them. */
export function ServerStatusPanels() {
  const view = useServerStatus();
  return (
    <div className="server-panels">
      <ServerPanel view={view.current} onRefresh={view.refresh} />
      <ChecksPanel server={serverOf(view.current)} />
    </div>
  );
}

export function ServerScreen() {
  return (
    <section className="screen" aria-labelledby="server-screen-heading">
      <h1 id="server-screen-heading">Server connection</h1>
      <ServerStatusPanels />
    </section>
  );
}

function useServerStatus(): { current: View; refresh: () => void } {
  const trpc = useTRPC();
  // "Check now" cancels a check still on its way, so a slow answer never overwrites a newer one.
  const status = useQuery(trpc.status.queryOptions(undefined, { refetchInterval: REFRESH_INTERVAL_MS, refetchIntervalInBackground: true }));
  const last = status.data?.server ?? null;
  const current: View = status.error
    ? { kind: "local-failure", message: status.error.message, last }
    : last
      ? { kind: "known", server: last }
      : { kind: "checking" };
  return { current, refresh: () => void status.refetch() };
}

function serverOf(view: View): ServerStatus | null {
  if (view.kind === "known") return view.server;
  if (view.kind === "local-failure") return view.last;
  return null;
}

type Tone = "good" | "warn" | "bad" | "neutral";

function summarise(view: View): { text: string; tone: Tone; icon: string } {
  switch (view.kind) {
    case "checking":
      return { text: "Checking the server…", tone: "neutral", icon: "…" };
    case "local-failure":
      return { text: "Console service not responding", tone: "bad", icon: "✕" };
    case "known": {
      const { reachable, ready } = view.server;
      if (reachable && ready) return { text: "Server reachable and ready", tone: "good", icon: "✓" };
      if (reachable) return { text: "Server reachable but not ready", tone: "warn", icon: "!" };
      return { text: "Server unreachable", tone: "bad", icon: "✕" };
    }
  }
}

function ServerPanel({ view, onRefresh }: { view: View; onRefresh: () => void }) {
  const summary = summarise(view);
  const server = serverOf(view);
  return (
    <section className="panel" aria-labelledby="server-heading">
      <h2 id="server-heading">Server</h2>
      {/* Text and icon carry the state; colour only repeats it. */}
      <p role="status" className={`summary summary--${summary.tone}`}>
        <span className="summary-icon" aria-hidden="true">
          {summary.icon}
        </span>
        <span>{summary.text}</span>
      </p>
      {view.kind === "local-failure" && <p className="problem">{view.message}</p>}
      {server && (
        <dl className="facts">
          <dt>Address</dt>
          <dd>
            <code>{server.url}</code>
          </dd>
          <dt>Connection</dt>
          <dd>{server.reachable ? "Reachable" : "Unreachable"}</dd>
          <dt>Readiness</dt>
          <dd>{server.ready ? "Ready" : "Not ready"}</dd>
          <dt>Version</dt>
          <dd>{server.version ?? "Unknown"}</dd>
          <dt>Last checked</dt>
          <dd>
            <When iso={server.checkedAt} />
          </dd>
          {server.error && (
            <>
              <dt>Problem</dt>
              <dd>{server.error}</dd>
            </>
          )}
        </dl>
      )}
      <button type="button" className="button button--secondary" onClick={onRefresh}>
        Check now
      </button>
    </section>
  );
}

function ChecksPanel({ server }: { server: ServerStatus | null }) {
  return (
    <section className="panel" aria-labelledby="checks-heading">
      <h2 id="checks-heading">Readiness checks</h2>
      {!server || server.checks.length === 0 ? (
        <p className="muted">
          {server && !server.reachable ? "No checks: the server did not answer." : "No checks reported yet."}
        </p>
      ) : (
        <ul className="checks" aria-labelledby="checks-heading">
          {server.checks.map((check) => (
            <li key={check.name} className={`check ${check.ok ? "check--ok" : "check--failing"}`}>
              <span className="check-icon" aria-hidden="true">
                {check.ok ? "✓" : "✕"}
              </span>
              <span className="check-name">{check.name}</span>
              <span className="check-state">{check.ok ? "OK" : "Failing"}</span>
              {check.detail && <span className="check-detail">{check.detail}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

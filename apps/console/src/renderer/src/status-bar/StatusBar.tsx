import { useEffect, useState } from "react";
import type { SetupState, SyncState } from "../../../shared/local-api.ts";
import { relativeTime, SiteZoneNote, useSiteTime } from "../ui/time.tsx";
import { useSyncState } from "./sync-state.tsx";
import { waitingForText } from "./waiting-for.tsx";
import "./status-bar.css";

const CONNECTION: Record<SyncState["connection"], { text: string; icon: string }> = {
  online: { text: "Online", icon: "●" },
  offline: { text: "Offline", icon: "⚡" },
  syncing: { text: "Syncing", icon: "↻" },
};

/** Always visible once set up: connection, last sync, changes waiting, who and where. */
export function StatusBar({ setup }: { setup: SetupState }) {
  const sync = useSyncState();
  const time = useSiteTime();
  // Re-render every 15 s so "2 min ago" stays true while nothing else changes.
  const [, setNow] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setNow((n) => n + 1), 15_000);
    return () => clearInterval(timer);
  }, []);

  const connection = sync ? CONNECTION[sync.connection] : { text: "Checking…", icon: "…" };
  return (
    <footer className="status-bar" aria-label="Status bar">
      <p role="status" className={`status-item status-connection status-connection--${sync?.connection ?? "unknown"}`} aria-label="Connection">
        <span aria-hidden="true">{connection.icon}</span> <span data-testid="connection">{connection.text}</span>
      </p>
      <p className="status-item">
        Last sync:{" "}
        {sync?.lastSyncAt ? (
          <time dateTime={sync.lastSyncAt} title={time.exact(sync.lastSyncAt)}>
            {relativeTime(sync.lastSyncAt)} ({time.clock(sync.lastSyncAt)})
          </time>
        ) : (
          "never"
        )}
      </p>
      <p className="status-item" aria-label="Outbox">
        Outbox: <span data-testid="outbox-size">{sync?.outboxSize ?? "…"}</span> {sync?.outboxSize === 1 ? "change" : "changes"} waiting
      </p>
      {sync?.waitingFor.map((group) => (
        <p key={group.userId ?? "unrecorded"} className="status-item status-waiting" data-testid="waiting-for">
          {waitingForText(group)}
        </p>
      ))}
      {sync?.lastError && sync.connection === "offline" && (
        <p className="status-item status-error" title={sync.lastError}>
          <span aria-hidden="true">!</span> {truncate(sync.lastError, 60)}
        </p>
      )}
      <p className="status-item status-user">
        {setup.user ? (
          <>
            {setup.user.name} <span className="status-role">({roleLabel(setup.user.role)})</span>
          </>
        ) : (
          "Not signed in"
        )}
      </p>
      <p className="status-item">Station: {setup.station?.name ?? "not enrolled"}</p>
      {/* Said once for the whole screen: every time shown is on the site's clock. */}
      <p className="status-item">
        <SiteZoneNote />
      </p>
      <a className="status-item status-link" href="#/server">
        Server details
      </a>
    </footer>
  );
}

function roleLabel(role: string): string {
  return role.charAt(0) + role.slice(1).toLowerCase();
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

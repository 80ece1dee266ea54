import { useRef, useState, type KeyboardEvent } from "react";
import type { ScreenProps } from "../navigation/screens.ts";
import { FeedSection } from "./FeedSection.tsx";
import { PickupSection } from "./PickupSection.tsx";
import { ShiftSection } from "./ShiftSection.tsx";
import { SlaSection } from "./SlaSection.tsx";
import { StationsSection } from "./StationsSection.tsx";
import { UsersSection } from "./UsersSection.tsx";
import { WebhooksSection } from "./WebhooksSection.tsx";
import "./admin.css";

const TABS = [
  { id: "users", label: "Users", Section: UsersSection },
  { id: "stations", label: "Stations", Section: StationsSection },
  { id: "feed", label: "Feed", Section: FeedSection },
  { id: "webhooks", label: "Webhooks", Section: WebhooksSection },
  { id: "sla", label: "SLA thresholds", Section: SlaSection },
  { id: "pickup", label: "Pickup", Section: PickupSection },
  { id: "shifts", label: "Timezone and shifts", Section: ShiftSection },
] as const;

type TabId = (typeof TABS)[number]["id"];

/** Running the site (ADMIN): users, stations, the storefront feed, webhooks, SLA thresholds, the pickup place and hours, timezone and shifts. */
export function AdminScreen(props: ScreenProps) {
  const [current, setCurrent] = useState<TabId>("users");
  const tabRefs = useRef<Partial<Record<TabId, HTMLButtonElement | null>>>({});
  const active = TABS.find((tab) => tab.id === current) ?? TABS[0];

  // Arrow keys move between tabs (the WAI-ARIA tabs pattern); Tab goes on into the panel.
  const onKeyDown = (event: KeyboardEvent) => {
    const index = TABS.findIndex((tab) => tab.id === current);
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    let next: number | null = step === 0 ? null : (index + step + TABS.length) % TABS.length;
    if (event.key === "Home") next = 0;
    if (event.key === "End") next = TABS.length - 1;
    if (next === null) return;
    event.preventDefault();
    const tab = TABS[next];
    if (!tab) return;
    setCurrent(tab.id);
    tabRefs.current[tab.id]?.focus();
  };

  return (
    <section className="screen admin" aria-labelledby="admin-heading">
      <h1 id="admin-heading">Admin</h1>
      {!props.online && (
        <p className="admin-offline" role="status">
          <span aria-hidden="true">⚡ </span>Admin works with the server directly, which cannot be reached right now: nothing here can be read or changed until the console is back online.
        </p>
      )}
      <div role="tablist" aria-label="Admin sections" className="admin-tabs" onKeyDown={onKeyDown}>
        {TABS.map((tab) => (
          <button
            key={tab.id}
            ref={(element) => {
              tabRefs.current[tab.id] = element;
            }}
            type="button"
            role="tab"
            id={`admin-tab-${tab.id}`}
            aria-selected={tab.id === current}
            aria-controls={`admin-panel-${tab.id}`}
            tabIndex={tab.id === current ? 0 : -1}
            className="admin-tab"
            onClick={() => setCurrent(tab.id)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`admin-panel-${active.id}`} aria-labelledby={`admin-tab-${active.id}`} className="admin-panel">
        <active.Section {...props} />
      </div>
    </section>
  );
}

import type { SiteSettings } from "@orderdeck/contracts";
import { useQuery } from "@tanstack/react-query";
import { useState, type ComponentType } from "react";
import { useTRPC } from "../trpc.ts";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { Done } from "./form.tsx";

/** What each of the site's settings forms is given: the settings as read (their version included). */
export interface SiteSettingsFormProps {
  settings: SiteSettings;
  onSaved: (message: string) => void;
  onReload: () => void;
}

/**
 * One panel of the site's settings (SLA thresholds, pickup place and hours, timezone and shifts):
 * the settings read once, the form drawn afresh for each version, the last save's message below.
 */
export function SiteSettingsPanel({ id, heading, Form }: { id: string; heading: string; Form: ComponentType<SiteSettingsFormProps> }) {
  const settings = useQuery(useTRPC().online.admin.site.settings.queryOptions());
  const reload = () => void settings.refetch();
  const [saved, setSaved] = useState<string | null>(null);
  return (
    <div className="admin-section">
      <section className="panel" aria-labelledby={`admin-${id}-heading`}>
        <h2 id={`admin-${id}-heading`}>{heading}</h2>
        <ErrorMessage error={settings.error} what="The site settings" />
        {settings.data && (
          <Form
            key={settings.data.version}
            settings={settings.data}
            onReload={reload}
            onSaved={(message) => {
              setSaved(message);
              reload();
            }}
          />
        )}
        <Done message={saved} />
      </section>
    </div>
  );
}

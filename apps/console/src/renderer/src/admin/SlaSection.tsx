import { SLA_MAX_HOURS, SiteSettingsUpdateInput } from "@orderdeck/contracts";
import { useState, type FormEvent } from "react";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { Button } from "../ui/Button.tsx";
import { problemOf } from "../ui/errors.ts";
import { SiteSettingsPanel, type SiteSettingsFormProps } from "./SiteSettingsPanel.tsx";
import { check, Field, type FieldErrors, SubmitRow } from "./form.tsx";

/** The site's SLA thresholds: when an open job shows as ageing, and when it is a breach. */
export function SlaSection() {
  return <SiteSettingsPanel id="sla" heading="SLA thresholds" Form={SlaForm} />;
}

function SlaForm({ settings, onSaved, onReload }: SiteSettingsFormProps) {
  const [warn, setWarn] = useState(String(settings.slaWarnHours));
  const [breach, setBreach] = useState(String(settings.slaBreachHours));
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = useAction(useTRPC().online.admin.site.updateSettings.mutationOptions());

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = { slaWarnHours: Number(warn), slaBreachHours: Number(breach), version: settings.version };
    const checked = check(SiteSettingsUpdateInput, {
      ...input,
      slaWarnHours: warn.trim() === "" ? undefined : input.slaWarnHours,
      slaBreachHours: breach.trim() === "" ? undefined : input.slaBreachHours,
    });
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    const answer = await save.run(input);
    if (answer) onSaved(`Saved: jobs open ${answer.slaWarnHours} h show as ageing, ${answer.slaBreachHours} h as a breach.`);
  };
  const conflict = save.error ? problemOf(save.error).reason === "VERSION_CONFLICT" : false;

  return (
    <form onSubmit={submit} noValidate className="admin-form">
      <p>
        Site <strong>{settings.name}</strong>, times in {settings.timezone}. Open jobs older than the warning threshold show as ageing on the board; older than the breach threshold they are listed as
        exceptions.
      </p>
      <Field id="sla-warn" label="Warning after (hours)" error={errors.slaWarnHours} hint={`Whole hours, 1 to ${SLA_MAX_HOURS - 1}.`}>
        {(describedBy) => (
          <input id="sla-warn" type="number" inputMode="numeric" min={1} max={SLA_MAX_HOURS - 1} step={1} value={warn} onChange={(e) => setWarn(e.target.value)} aria-describedby={describedBy} aria-invalid={Boolean(errors.slaWarnHours)} />
        )}
      </Field>
      <Field id="sla-breach" label="Breach after (hours)" error={errors.slaBreachHours} hint={`More than the warning, at most ${SLA_MAX_HOURS} (a year).`}>
        {(describedBy) => (
          <input id="sla-breach" type="number" inputMode="numeric" min={2} max={SLA_MAX_HOURS} step={1} value={breach} onChange={(e) => setBreach(e.target.value)} aria-describedby={describedBy} aria-invalid={Boolean(errors.slaBreachHours)} />
        )}
      </Field>
      <SubmitRow label="Save thresholds" busy={save.isPending} busyLabel="Saving…" error={save.error} what="Saving the thresholds" />
      {conflict && <Button onClick={onReload}>Load the current settings</Button>}
    </form>
  );
}

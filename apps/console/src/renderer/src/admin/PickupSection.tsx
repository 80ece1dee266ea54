import { PICKUP_HOURS_MAX, PICKUP_PLACE_MAX, SiteSettingsUpdateInput } from "@orderdeck/contracts";
import { useState, type FormEvent } from "react";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { Button } from "../ui/Button.tsx";
import { problemOf } from "../ui/errors.ts";
import { SiteSettingsPanel, type SiteSettingsFormProps } from "./SiteSettingsPanel.tsx";
import { check, Field, type FieldErrors, SubmitRow } from "./form.tsx";

/** Where and when customers collect their orders: what every customer's status page shows. */
export function PickupSection() {
  return <SiteSettingsPanel id="pickup" heading="Pickup place and hours" Form={PickupForm} />;
}

function PickupForm({ settings, onSaved, onReload }: SiteSettingsFormProps) {
  const [place, setPlace] = useState(settings.pickupPlace ?? "");
  const [hours, setHours] = useState(settings.pickupHours ?? "");
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = useAction(useTRPC().online.admin.site.updateSettings.mutationOptions());

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // The thresholds go back as they were read: this form changes only the pickup fields.
    const input = { slaWarnHours: settings.slaWarnHours, slaBreachHours: settings.slaBreachHours, version: settings.version, pickupPlace: place, pickupHours: hours };
    const checked = check(SiteSettingsUpdateInput, input);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    const answer = await save.run(input);
    if (answer) onSaved(answer.pickupPlace || answer.pickupHours ? "Saved: customers' status pages show the new place and hours." : "Saved: status pages show no place or hours.");
  };
  const conflict = save.error ? problemOf(save.error).reason === "VERSION_CONFLICT" : false;

  return (
    <form onSubmit={submit} noValidate className="admin-form">
      <p>Shown on every customer&apos;s status page (the link in the &quot;ready for pickup&quot; mail). Leave a field empty to show nothing for it.</p>
      <Field id="pickup-place" label="Pickup place" error={errors.pickupPlace} hint={`Where to collect, e.g. "Front counter, Kastanienallee 12". At most ${PICKUP_PLACE_MAX} characters.`}>
        {(describedBy) => (
          <textarea id="pickup-place" rows={2} maxLength={PICKUP_PLACE_MAX} value={place} onChange={(e) => setPlace(e.target.value)} aria-describedby={describedBy} aria-invalid={Boolean(errors.pickupPlace)} />
        )}
      </Field>
      <Field id="pickup-hours" label="Pickup hours" error={errors.pickupHours} hint={`When the counter is open, one line per day or range. At most ${PICKUP_HOURS_MAX} characters.`}>
        {(describedBy) => (
          <textarea id="pickup-hours" rows={4} maxLength={PICKUP_HOURS_MAX} value={hours} onChange={(e) => setHours(e.target.value)} aria-describedby={describedBy} aria-invalid={Boolean(errors.pickupHours)} />
        )}
      </Field>
      <SubmitRow label="Save pickup place and hours" busy={save.isPending} busyLabel="Saving…" error={save.error} what="Saving the pickup place and hours" />
      {conflict && <Button onClick={onReload}>Load the current settings</Button>}
    </form>
  );
}

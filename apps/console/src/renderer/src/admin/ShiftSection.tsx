import { SHIFTS_MAX, SiteShiftRulesUpdateInput, formatLocal } from "@orderdeck/contracts";
import { useState, type FormEvent } from "react";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { Button } from "../ui/Button.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { problemOf } from "../ui/errors.ts";
import { SiteSettingsPanel, type SiteSettingsFormProps } from "./SiteSettingsPanel.tsx";
import { Field, type FieldErrors, SubmitRow } from "./form.tsx";

interface ShiftRow {
  key: number;
  start: string;
  name: string;
}

const listed = (shifts: ReadonlyArray<{ start: string; name: string }>) => shifts.map((s) => `${s.name} ${s.start}`).join(", ");

/** The site's timezone and shifts: when one shift hands over to the next. A change applies from the next shift. */
export function ShiftSection() {
  return <SiteSettingsPanel id="shifts" heading="Timezone and shifts" Form={ShiftForm} />;
}

/** Field errors keyed by their whole path ("shifts.1.start"), so each row's problem stands next to it. */
function checkRules(values: unknown): { ok: true } | { ok: false; errors: FieldErrors } {
  const parsed = SiteShiftRulesUpdateInput.safeParse(values);
  if (parsed.success) return { ok: true };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) errors[issue.path.join(".") || "form"] ??= issue.message;
  return { ok: false, errors };
}

function ShiftForm({ settings, onSaved, onReload }: SiteSettingsFormProps) {
  const [timezone, setTimezone] = useState(settings.timezone);
  const [rows, setRows] = useState<ShiftRow[]>(() => settings.shifts.map((shift, key) => ({ key, ...shift })));
  const [nextKey, setNextKey] = useState(settings.shifts.length);
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = useAction(useTRPC().online.admin.site.updateShiftRules.mutationOptions());

  const change = (key: number, field: "start" | "name", value: string) => setRows((all) => all.map((row) => (row.key === key ? { ...row, [field]: value } : row)));
  const add = () => {
    setRows((all) => [...all, { key: nextKey, start: "", name: "" }]);
    setNextKey(nextKey + 1);
  };
  const remove = (key: number) => setRows((all) => all.filter((row) => row.key !== key));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = { timezone, shifts: rows.map(({ start, name }) => ({ start, name })), version: settings.version };
    const checked = checkRules(input);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    const answer = await save.run(input);
    if (!answer) return;
    // The boundary is the running shift's end, so it is said on the clock that shift runs by.
    const from = answer.shiftsFrom ? `from ${formatLocal(new Date(answer.shiftsFrom), answer.shiftRulesNow?.timezone ?? answer.timezone)} (the start of the next shift)` : "from now on";
    onSaved(`Saved: ${from} the shifts are ${listed(answer.shifts)}, in ${answer.timezone}.`);
  };
  const conflict = save.error ? problemOf(save.error).reason === "VERSION_CONFLICT" : false;
  const waiting = settings.shiftRulesNow !== null && settings.shiftsFrom !== null;

  return (
    <form onSubmit={submit} noValidate className="admin-form admin-shifts">
      <p>
        Shifts set each handoff's period and when leads are reminded of a missing handoff. A change applies from the start of the next shift: the running shift keeps its length, and handoffs
        already written keep their periods.
      </p>
      {waiting && settings.shiftRulesNow && settings.shiftsFrom && (
        <p role="note" className="admin-waiting">
          The rules below apply from {formatLocal(new Date(settings.shiftsFrom), settings.shiftRulesNow.timezone)}. Until then: {listed(settings.shiftRulesNow.shifts)}, in {settings.shiftRulesNow.timezone}.
        </p>
      )}
      <ErrorMessage error={errors.form ? new Error(errors.form) : null} what="The shifts" />
      <Field id="shift-timezone" label="Timezone" error={errors.timezone} hint="The shop's IANA zone, e.g. Europe/Berlin or America/New_York: times are shown and shifts start on its clock.">
        {(describedBy) => <input id="shift-timezone" value={timezone} onChange={(e) => setTimezone(e.target.value)} aria-describedby={describedBy} aria-invalid={Boolean(errors.timezone)} autoComplete="off" spellCheck={false} />}
      </Field>
      <fieldset className="admin-fieldset">
        <legend>Shifts in the order they start within a day (a whole hour like 6, or 06:30); the last one runs past midnight</legend>
        {errors.shifts && (
          <span className="admin-field-error">
            <span aria-hidden="true">✕ </span>
            {errors.shifts}
          </span>
        )}
        {rows.map((row, index) => (
          <div key={row.key} className="admin-shift-row">
            <Field id={`shift-${row.key}-start`} label={`Shift ${index + 1} starts at`} error={errors[`shifts.${index}.start`]}>
              {(describedBy) => (
                <input
                  id={`shift-${row.key}-start`}
                  value={row.start}
                  inputMode="numeric"
                  placeholder="06:00"
                  onChange={(e) => change(row.key, "start", e.target.value)}
                  aria-describedby={describedBy}
                  aria-invalid={Boolean(errors[`shifts.${index}.start`])}
                />
              )}
            </Field>
            <Field id={`shift-${row.key}-name`} label={`Shift ${index + 1} name`} error={errors[`shifts.${index}.name`]}>
              {(describedBy) => (
                <input id={`shift-${row.key}-name`} value={row.name} placeholder="Early" onChange={(e) => change(row.key, "name", e.target.value)} aria-describedby={describedBy} aria-invalid={Boolean(errors[`shifts.${index}.name`])} />
              )}
            </Field>
            <Button aria-label={`Remove shift ${index + 1}${row.name ? ` (${row.name})` : ""}`} disabled={rows.length === 1} onClick={() => remove(row.key)}>
              Remove
            </Button>
          </div>
        ))}
        <div className="button-row">
          <Button onClick={add} disabled={rows.length >= SHIFTS_MAX}>
            Add a shift
          </Button>
        </div>
      </fieldset>
      <SubmitRow label="Save timezone and shifts" busy={save.isPending} busyLabel="Saving…" error={save.error} what="Saving the timezone and shifts" />
      {conflict && <Button onClick={onReload}>Load the current settings</Button>}
    </form>
  );
}

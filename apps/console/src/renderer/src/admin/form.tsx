import type { ReactNode } from "react";
import type { z } from "zod";
import { Button } from "../ui/Button.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";

export type FieldErrors = Record<string, string>;

/**
 * Checks a form's values with the same contracts schema the console and the server check the
 * call with, so each problem is shown next to its field before anything is sent.
 */
export function check<S extends z.ZodType>(schema: S, values: unknown): { ok: true; value: z.output<S> } | { ok: false; errors: FieldErrors } {
  const parsed = schema.safeParse(values);
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? "form");
    errors[key] ??= issue.message;
  }
  return { ok: false, errors };
}

/** A labelled control with its problem (if any) under it, tied to it for screen readers. */
export function Field({ id, label, error, hint, children }: { id: string; label: string; error?: string | undefined; hint?: string; children: (describedBy: string | undefined) => ReactNode }) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className="admin-field">
      <label htmlFor={id}>{label}</label>
      {children(describedBy)}
      {hint && (
        <span id={hintId} className="muted admin-hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={errorId} className="admin-field-error">
          <span aria-hidden="true">✕ </span>
          {error}
        </span>
      )}
    </div>
  );
}

/** What the last change did, said once in words (the list below shows it too). */
export function Done({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p role="status" className="admin-done">
      <span aria-hidden="true">✓ </span>
      {message}
    </p>
  );
}

/** Switches something on or off; switching off is the risky way, so it looks like it. */
export function EnableButton({ enabled, name, busy, onClick }: { enabled: boolean; name?: string; busy: boolean; onClick: () => void }) {
  const verb = enabled ? "Disable" : "Enable";
  return (
    <Button variant={enabled ? "danger" : "secondary"} busy={busy} busyLabel="Saving…" aria-label={name === undefined ? undefined : `${verb} ${name}`} onClick={onClick}>
      {verb}
    </Button>
  );
}

/** A form's send button, and under it why the last send failed. */
export function SubmitRow({ label, busy, busyLabel, error, what }: { label: string; busy: boolean; busyLabel: string; error: unknown; what: string }) {
  return (
    <>
      <div className="button-row">
        <Button type="submit" variant="primary" busy={busy} busyLabel={busyLabel}>
          {label}
        </Button>
      </div>
      <ErrorMessage error={error} what={what} />
    </>
  );
}

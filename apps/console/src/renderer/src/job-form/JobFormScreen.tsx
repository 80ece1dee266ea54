import type { JobDetail } from "@orderdeck/contracts";
import { skipToken, useQuery } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { centsOf } from "../pickup/TakePayment.tsx";
import { hrefOf, navigate } from "../navigation/hash-router.ts";
import type { ScreenProps } from "../navigation/screens.ts";
import { Button } from "../ui/Button.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { problemOf } from "../ui/errors.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";
import { useSiteTime } from "../ui/time.tsx";
import { CustomerPicker, type CustomerChoice } from "./CustomerPicker.tsx";
import { EDITED_FIELDS, fieldsOf, staleFields, toInput, type JobFields } from "./job-fields.ts";
import "./job-form.css";

const EMPTY: JobFields = { title: "", quantity: "1", material: "", colour: "", machine: "", dueAt: "", price: "0.00", fulfilment: "PICKUP", notes: "" };

/**
 * A walk-in order, or an edit of a job: the server numbers a new job and checks every field with the
 * same rules as the API (refusals shown beside their fields). An edit carries the version it was
 * read at; when someone changed the job meanwhile, the screen shows what changed and lets the person
 * keep their values or take the current ones.
 */
export function JobFormScreen({ online, jobId }: ScreenProps & { jobId: string | null }) {
  const client = useTRPCClient();
  const loaded = useQuery(useTRPC().online.jobs.get.queryOptions(jobId ? { id: jobId } : skipToken, { select: (answer) => answer.job }));
  const [base, setBase] = useState<JobDetail | null>(null);
  const [fields, setFields] = useState<JobFields>(EMPTY);
  const [customer, setCustomer] = useState<CustomerChoice>({ kind: "none" });
  const [problem, setProblem] = useState<unknown>(null);
  const [stale, setStale] = useState<{ current: JobDetail; changed: ReturnType<typeof staleFields> } | null>(null);
  const [busy, setBusy] = useState(false);
  const { timeZone } = useSiteTime();

  useEffect(() => {
    if (loaded.data && !base) {
      setBase(loaded.data);
      setFields(fieldsOf(loaded.data, timeZone));
      setCustomer(loaded.data.customer ? { kind: "existing", id: loaded.data.customer.id, name: loaded.data.customer.name } : { kind: "none" });
    }
  }, [loaded.data, base, timeZone]);

  const fieldError = (...paths: string[]) => problemOf(problem).fields.find((f) => paths.includes(f.path))?.message;
  // A refusal is about what was sent: once the person edits, it no longer describes the form.
  const set = (key: keyof JobFields) => (value: string) => {
    setProblem(null);
    setFields((current) => ({ ...current, [key]: value }));
  };
  const pickCustomer = (next: CustomerChoice) => {
    setProblem(null);
    setCustomer(next);
  };

  const save = async (against: JobDetail | null) => {
    setBusy(true);
    setProblem(null);
    try {
      const input = toInput(fields, timeZone);
      const saved = against
        ? await client.online.jobs.update.mutate({
            id: against.id,
            version: against.version,
            // Only what the person changed, so a field someone else edited meanwhile keeps their value.
            ...changedInput(input, base ? toInput(fieldsOf(base, timeZone), timeZone) : null),
            ...(customer.kind === "existing" && customer.id !== against.customer?.id ? { customerId: customer.id } : {}),
          })
        : await client.online.jobs.create.mutate({
            ...input,
            ...(customer.kind === "existing" ? { customerId: customer.id } : {}),
            ...(customer.kind === "new" ? { customer: customer.customer } : {}),
          });
      navigate("/jobs", saved.id);
    } catch (error) {
      const found = problemOf(error);
      if (against && found.reason === "VERSION_CONFLICT") {
        const current = (await client.online.jobs.get.query({ id: against.id })).job;
        setStale({ current, changed: staleFields(base ?? against, current, timeZone) });
      } else {
        setProblem(error);
      }
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save(stale?.current ?? base);
  };

  if (jobId && loaded.error) return <ErrorMessage error={loaded.error} what="Loading the job" />;
  if (jobId && !base) return <p role="status">{online ? "Loading…" : "Editing a job needs the server, which cannot be reached right now."}</p>;

  const title = base ? `Edit ${base.displayNumber}` : "New job";
  return (
    <section className="screen job-form" aria-labelledby="job-form-heading">
      <p>
        <a href={base ? hrefOf("/jobs", base.id) : hrefOf("/board")}>← {base ? base.displayNumber : "Queue"}</a>
      </p>
      <h1 id="job-form-heading">{title}</h1>
      {!online && <p role="status">Offline: {base ? "saving an edit" : "creating a job"} needs the server, which cannot be reached right now.</p>}
      {stale && (
        <div role="alert" aria-label="Changed meanwhile" className="problem-box">
          <div>
            <p className="problem-title">Someone changed this job while you were editing it:</p>
            <ul>
              {stale.changed.map((change) => (
                <li key={change.field}>
                  {change.label}: “{change.was || "—"}” → “{change.now || "—"}”
                </li>
              ))}
            </ul>
            <div className="button-row">
              <Button variant="primary" busy={busy} onClick={() => void save(stale.current)}>
                Save my changes over theirs
              </Button>
              <Button
                onClick={() => {
                  setBase(stale.current);
                  setFields(fieldsOf(stale.current, timeZone));
                  setStale(null);
                }}
              >
                Take the current values
              </Button>
            </div>
          </div>
        </div>
      )}
      <form className="panel job-form-fields" onSubmit={submit} noValidate>
        <Field id="job-title" label="Title" error={fieldError("title")}>
          <input id="job-title" value={fields.title} onChange={(e) => set("title")(e.target.value)} autoFocus />
        </Field>
        <CustomerPicker value={customer} onChange={pickCustomer} error={fieldError("customer", "customer.name", "customer.email", "customer.phone", "customerId")} />
        <Field id="job-quantity" label="Quantity" error={fieldError("quantity")}>
          <input id="job-quantity" inputMode="numeric" value={fields.quantity} onChange={(e) => set("quantity")(e.target.value)} />
        </Field>
        <Field id="job-material" label="Material" error={fieldError("material")}>
          <input id="job-material" value={fields.material} onChange={(e) => set("material")(e.target.value)} />
        </Field>
        <Field id="job-colour" label="Colour" error={fieldError("colour")}>
          <input id="job-colour" value={fields.colour} onChange={(e) => set("colour")(e.target.value)} />
        </Field>
        <Field id="job-machine" label="Machine" error={fieldError("machine")}>
          <input id="job-machine" value={fields.machine} onChange={(e) => set("machine")(e.target.value)} />
        </Field>
        <Field id="job-due" label={`Due (${timeZone})`} error={fieldError("dueAt")}>
          <input id="job-due" type="datetime-local" value={fields.dueAt} onChange={(e) => set("dueAt")(e.target.value)} />
        </Field>
        <Field id="job-price" label={`Price${base ? ` (${base.currency})` : ""}`} error={fieldError("priceCents") ?? (centsOf(fields.price) === null ? "Write the price as an amount, e.g. 42.50." : undefined)}>
          <input id="job-price" inputMode="decimal" value={fields.price} onChange={(e) => set("price")(e.target.value)} />
        </Field>
        <Field id="job-fulfilment" label="Fulfilment" error={fieldError("fulfilment")}>
          <select id="job-fulfilment" value={fields.fulfilment} onChange={(e) => set("fulfilment")(e.target.value)}>
            <option value="PICKUP">Pickup at the counter</option>
            <option value="SHIP">Ship to the customer</option>
          </select>
        </Field>
        <Field id="job-notes" label="Notes" error={fieldError("notes")}>
          <textarea id="job-notes" rows={3} value={fields.notes} onChange={(e) => set("notes")(e.target.value)} />
        </Field>
        <div className="button-row">
          <Button type="submit" variant="primary" busy={busy} busyLabel="Saving…" disabled={!online}>
            {base ? "Save changes" : "Create job"}
          </Button>
        </div>
      </form>
      <ErrorMessage error={problem} what={base ? "Saving the job" : "Creating the job"} />
    </section>
  );
}

/** The fields of `input` that differ from `before` (all of them for a new job). */
function changedInput(input: ReturnType<typeof toInput>, before: ReturnType<typeof toInput> | null): Partial<ReturnType<typeof toInput>> {
  if (!before) return input;
  const changed: Record<string, unknown> = {};
  for (const key of EDITED_FIELDS) {
    if (input[key] !== before[key]) changed[key] = input[key];
  }
  return changed as Partial<ReturnType<typeof toInput>>;
}

function Field({ id, label, error, children }: { id: string; label: string; error: string | undefined; children: ReactNode }) {
  return (
    <div className={`form-field${error ? " form-field--invalid" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

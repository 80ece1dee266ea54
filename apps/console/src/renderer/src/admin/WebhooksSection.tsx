import { WebhookCreateInput, WebhookEventType, type WebhookEndpointView, type WebhookEndpointWithSecret } from "@orderdeck/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { Button } from "../ui/Button.tsx";
import { ConfirmDialog } from "../ui/ConfirmDialog.tsx";
import { DataTable } from "../ui/DataTable.tsx";
import { Dialog } from "../ui/Dialog.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { When } from "../ui/time.tsx";
import { check, Done, EnableButton, Field, type FieldErrors, SubmitRow } from "./form.tsx";

const EVENT_LABELS: Record<WebhookEventType, string> = {
  "job.status_changed": "A job's status changes",
  "job.picked_up": "A job is handed over at the counter",
  "invoice.issued": "An invoice is issued",
};

/** Endpoints of other systems that receive the shop's events, signed with a secret. */
export function WebhooksSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const endpoints = useQuery(trpc.online.admin.webhooks.list.queryOptions());
  const [secret, setSecret] = useState<{ title: string; answer: WebhookEndpointWithSecret } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const changed = (message: string) => {
    setDone(message);
    void queryClient.invalidateQueries(trpc.online.admin.webhooks.list.queryFilter());
  };
  return (
    <div className="admin-section">
      <CreateEndpoint
        onCreated={(answer) => {
          setSecret({ title: "New endpoint's signing secret", answer });
          changed(`Endpoint ${answer.endpoint.url} created.`);
        }}
      />
      <Dialog title={secret?.title ?? "Signing secret"} open={secret !== null} onClose={() => setSecret(null)}>
        {secret && (
          <div className="admin-code-box">
            <p>
              Give this secret to the receiver at <strong>{secret.answer.endpoint.url}</strong>; it checks each delivery's signature with it. It is shown only now.
            </p>
            <p className="admin-secret">{secret.answer.secret}</p>
            <Button variant="primary" onClick={() => setSecret(null)}>
              I have stored it
            </Button>
          </div>
        )}
      </Dialog>
      <section className="panel" aria-labelledby="admin-webhooks-heading">
        <h2 id="admin-webhooks-heading">Endpoints</h2>
        <Done message={done} />
        <ErrorMessage error={endpoints.error} what="The webhook endpoints" />
        {endpoints.data &&
          (endpoints.data.length === 0 ? (
            <p className="muted">No endpoints: no events are sent anywhere.</p>
          ) : (
            <ul className="admin-cards">
              {endpoints.data.map((endpoint) => (
                <EndpointCard key={endpoint.id} endpoint={endpoint} onChanged={changed} onSecret={(answer) => setSecret({ title: "New signing secret", answer })} />
              ))}
            </ul>
          ))}
      </section>
    </div>
  );
}

function EventChoices({ idPrefix, chosen, onChange, error }: { idPrefix: string; chosen: WebhookEventType[]; onChange: (next: WebhookEventType[]) => void; error?: string | undefined }) {
  const errorId = `${idPrefix}-events-error`;
  return (
    <fieldset className="admin-fieldset" aria-describedby={error ? errorId : undefined}>
      <legend>Events to send</legend>
      {WebhookEventType.options.map((type) => (
        <label key={type} className="admin-checkbox">
          <input type="checkbox" checked={chosen.includes(type)} onChange={(e) => onChange(e.target.checked ? [...chosen, type] : chosen.filter((t) => t !== type))} />
          {EVENT_LABELS[type]} <span className="muted">({type})</span>
        </label>
      ))}
      {error && (
        <span id={errorId} className="admin-field-error">
          <span aria-hidden="true">✕ </span>
          {error}
        </span>
      )}
    </fieldset>
  );
}

function CreateEndpoint({ onCreated }: { onCreated: (answer: WebhookEndpointWithSecret) => void }) {
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<WebhookEventType[]>([...WebhookEventType.options]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const create = useAction(useTRPC().online.admin.webhooks.create.mutationOptions());
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = check(WebhookCreateInput, { url, eventTypes: events });
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    const answer = await create.run({ url, eventTypes: events });
    if (answer) {
      setUrl("");
      onCreated(answer);
    }
  };
  return (
    <section className="panel" aria-labelledby="admin-new-webhook-heading">
      <h2 id="admin-new-webhook-heading">Add an endpoint</h2>
      <form onSubmit={submit} noValidate className="admin-form">
        <Field id="new-webhook-url" label="URL" error={errors.url} hint="Where the events are posted, e.g. https://erp.example.com/orderdeck.">
          {(describedBy) => <input id="new-webhook-url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} aria-describedby={describedBy} aria-invalid={Boolean(errors.url)} />}
        </Field>
        <EventChoices idPrefix="new-webhook" chosen={events} onChange={setEvents} error={errors.eventTypes} />
        <SubmitRow label="Add endpoint" busy={create.isPending} busyLabel="Creating…" error={create.error} what="Adding the endpoint" />
      </form>
    </section>
  );
}

function EndpointCard({ endpoint, onChanged, onSecret }: { endpoint: WebhookEndpointView; onChanged: (message: string) => void; onSecret: (answer: WebhookEndpointWithSecret) => void }) {
  const [events, setEvents] = useState<WebhookEventType[]>(endpoint.eventTypes);
  const [confirm, setConfirm] = useState<"delete" | "rotate" | null>(null);
  const [showLog, setShowLog] = useState(false);
  const webhooks = useTRPC().online.admin.webhooks;
  const update = useAction(webhooks.update.mutationOptions());
  const remove = useAction(webhooks.delete.mutationOptions());
  const rotate = useAction(webhooks.rotateSecret.mutationOptions());
  const eventsChanged = [...events].sort().join(",") !== [...endpoint.eventTypes].sort().join(",");
  return (
    <li className="admin-card">
      <h3 className="admin-wrap">{endpoint.url}</h3>
      <dl className="facts">
        <dt>State</dt>
        <dd>{endpoint.enabled ? "Enabled" : <strong>Disabled{endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ""}</strong>}</dd>
        <dt>Failures in a row</dt>
        <dd>{endpoint.consecutiveFailures}</dd>
        <dt>Secret</dt>
        <dd>ends in {endpoint.secretHint}</dd>
        <dt>Since</dt>
        <dd>
          <When iso={endpoint.createdAt} />
        </dd>
      </dl>
      <EventChoices idPrefix={`webhook-${endpoint.id}`} chosen={events} onChange={setEvents} />
      <div className="button-row">
        <Button
          disabled={!eventsChanged || events.length === 0}
          busy={update.isPending}
          busyLabel="Saving…"
          onClick={async () => {
            if (await update.run({ id: endpoint.id, eventTypes: events })) onChanged(`Events of ${endpoint.url} saved.`);
          }}
        >
          Save events
        </Button>
        <EnableButton
          enabled={endpoint.enabled}
          busy={update.isPending}
          onClick={async () => {
            const answer = await update.run({ id: endpoint.id, enabled: !endpoint.enabled });
            if (answer) onChanged(answer.enabled ? `${endpoint.url} is enabled; its failure count starts again.` : `${endpoint.url} is disabled: nothing is sent to it.`);
          }}
        />
        <Button onClick={() => setConfirm("rotate")}>Rotate secret…</Button>
        <Button variant="danger" onClick={() => setConfirm("delete")}>
          Delete…
        </Button>
        <Button aria-expanded={showLog} onClick={() => setShowLog((v) => !v)}>
          {showLog ? "Hide delivery log" : "Delivery log"}
        </Button>
      </div>
      <ErrorMessage error={update.error} what="Changing the endpoint" />
      <ConfirmDialog
        title={confirm === "delete" ? "Delete this endpoint?" : "Rotate the signing secret?"}
        open={confirm !== null}
        onClose={() => setConfirm(null)}
        confirmLabel={confirm === "delete" ? "Delete endpoint" : "Rotate secret"}
        busy={remove.isPending || rotate.isPending}
        busyLabel="Working…"
        error={remove.error ?? rotate.error}
        what={confirm === "delete" ? "Deleting" : "Rotating"}
        onConfirm={async () => {
          if (confirm === "delete") {
            if (await remove.run({ id: endpoint.id })) {
              setConfirm(null);
              onChanged(`${endpoint.url} deleted.`);
            }
          } else {
            const answer = await rotate.run({ id: endpoint.id });
            if (answer) {
              setConfirm(null);
              onSecret(answer);
              onChanged(`${endpoint.url} has a new secret.`);
            }
          }
        }}
      >
        <p>
          {confirm === "delete"
            ? `Nothing is sent to ${endpoint.url} any more, and its delivery log is deleted.`
            : `Deliveries to ${endpoint.url} are signed with a new secret from now on (retries of older events too); the receiver needs the new one.`}
        </p>
      </ConfirmDialog>
      {showLog && <DeliveryLog endpointId={endpoint.id} />}
    </li>
  );
}

const DELIVERY_STATUS: Record<string, string> = { PENDING: "• Waiting", SENT: "✓ Sent", FAILED: "↻ Failed, retrying", GAVE_UP: "✕ Given up" };

function DeliveryLog({ endpointId }: { endpointId: string }) {
  const log = useQuery(useTRPC().online.admin.webhooks.deliveries.queryOptions({ endpointId, limit: 50 }));
  return (
    <div className="admin-log">
      <ErrorMessage error={log.error} what="The delivery log" />
      {log.data && (
        <DataTable
          label="Deliveries"
          rows={log.data.deliveries}
          rowKey={(d) => d.id}
          empty="No deliveries yet."
          columns={[
            { header: "Created", cell: (d) => <When iso={d.createdAt} /> },
            { header: "Event", cell: (d) => d.eventType },
            { header: "Status", cell: (d) => DELIVERY_STATUS[d.status] ?? d.status },
            { header: "Attempts", cell: (d) => d.attempts },
            { header: "HTTP", cell: (d) => d.responseStatus ?? "" },
            { header: "Last error", className: "admin-wrap", cell: (d) => d.lastError ?? "" },
          ]}
        />
      )}
    </div>
  );
}

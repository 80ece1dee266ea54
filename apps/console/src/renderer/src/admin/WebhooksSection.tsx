import { WebhookCreateInput, WebhookEventType, type WebhookEndpointView, type WebhookEndpointWithSecret } from "@orderdeck/contracts";
import { useState, type FormEvent } from "react";
import type { ScreenProps } from "../navigation/screens.ts";
import { Button } from "../ui/Button.tsx";
import { Dialog } from "../ui/Dialog.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { useMutation, useQuery } from "../ui/query.ts";
import { When } from "../ui/time.tsx";
import { check, Field, type FieldErrors } from "./form.tsx";

type Client = ScreenProps["client"];

const EVENT_LABELS: Record<WebhookEventType, string> = {
  "job.status_changed": "A job's status changes",
  "job.picked_up": "A job is handed over at the counter",
  "invoice.issued": "An invoice is issued",
};

/** Endpoints of other systems that receive the shop's events, signed with a secret. */
export function WebhooksSection({ client, online }: ScreenProps) {
  const endpoints = useQuery(() => client.online.admin.webhooks.list.query(), [client, online]);
  const [secret, setSecret] = useState<{ title: string; answer: WebhookEndpointWithSecret } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const changed = (message: string) => {
    setDone(message);
    endpoints.refetch();
  };
  return (
    <div className="admin-section">
      <CreateEndpoint
        client={client}
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
        {done && (
          <p role="status" className="admin-done">
            <span aria-hidden="true">✓ </span>
            {done}
          </p>
        )}
        <ErrorMessage error={endpoints.error} what="The webhook endpoints" />
        {endpoints.data &&
          (endpoints.data.length === 0 ? (
            <p className="muted">No endpoints: no events are sent anywhere.</p>
          ) : (
            <ul className="admin-cards">
              {endpoints.data.map((endpoint) => (
                <EndpointCard key={endpoint.id} client={client} endpoint={endpoint} onChanged={changed} onSecret={(answer) => setSecret({ title: "New signing secret", answer })} />
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

function CreateEndpoint({ client, onCreated }: { client: Client; onCreated: (answer: WebhookEndpointWithSecret) => void }) {
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<WebhookEventType[]>([...WebhookEventType.options]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const create = useMutation((input: { url: string; eventTypes: WebhookEventType[] }) => client.online.admin.webhooks.create.mutate(input));
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
        <div className="button-row">
          <Button type="submit" variant="primary" busy={create.pending} busyLabel="Creating…">
            Add endpoint
          </Button>
        </div>
        <ErrorMessage error={create.error} what="Adding the endpoint" />
      </form>
    </section>
  );
}

function EndpointCard({ client, endpoint, onChanged, onSecret }: { client: Client; endpoint: WebhookEndpointView; onChanged: (message: string) => void; onSecret: (answer: WebhookEndpointWithSecret) => void }) {
  const [events, setEvents] = useState<WebhookEventType[]>(endpoint.eventTypes);
  const [confirm, setConfirm] = useState<"delete" | "rotate" | null>(null);
  const [showLog, setShowLog] = useState(false);
  const update = useMutation((input: { eventTypes?: WebhookEventType[]; enabled?: boolean }) => client.online.admin.webhooks.update.mutate({ id: endpoint.id, ...input }));
  const remove = useMutation(() => client.online.admin.webhooks.delete.mutate({ id: endpoint.id }));
  const rotate = useMutation(() => client.online.admin.webhooks.rotateSecret.mutate({ id: endpoint.id }));
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
          busy={update.pending}
          busyLabel="Saving…"
          onClick={async () => {
            if (await update.run({ eventTypes: events })) onChanged(`Events of ${endpoint.url} saved.`);
          }}
        >
          Save events
        </Button>
        <Button
          variant={endpoint.enabled ? "danger" : "secondary"}
          busy={update.pending}
          busyLabel="Saving…"
          onClick={async () => {
            const answer = await update.run({ enabled: !endpoint.enabled });
            if (answer) onChanged(answer.enabled ? `${endpoint.url} is enabled; its failure count starts again.` : `${endpoint.url} is disabled: nothing is sent to it.`);
          }}
        >
          {endpoint.enabled ? "Disable" : "Enable"}
        </Button>
        <Button onClick={() => setConfirm("rotate")}>Rotate secret…</Button>
        <Button variant="danger" onClick={() => setConfirm("delete")}>
          Delete…
        </Button>
        <Button aria-expanded={showLog} onClick={() => setShowLog((v) => !v)}>
          {showLog ? "Hide delivery log" : "Delivery log"}
        </Button>
      </div>
      <ErrorMessage error={update.error} what="Changing the endpoint" />
      <Dialog title={confirm === "delete" ? "Delete this endpoint?" : "Rotate the signing secret?"} open={confirm !== null} onClose={() => setConfirm(null)}>
        <p>
          {confirm === "delete"
            ? `Nothing is sent to ${endpoint.url} any more, and its delivery log is deleted.`
            : `Deliveries to ${endpoint.url} are signed with a new secret from now on (retries of older events too); the receiver needs the new one.`}
        </p>
        <div className="button-row">
          <Button
            variant="danger"
            busy={remove.pending || rotate.pending}
            busyLabel="Working…"
            onClick={async () => {
              if (confirm === "delete") {
                if (await remove.run(undefined)) {
                  setConfirm(null);
                  onChanged(`${endpoint.url} deleted.`);
                }
              } else {
                const answer = await rotate.run(undefined);
                if (answer) {
                  setConfirm(null);
                  onSecret(answer);
                  onChanged(`${endpoint.url} has a new secret.`);
                }
              }
            }}
          >
            {confirm === "delete" ? "Delete endpoint" : "Rotate secret"}
          </Button>
          <Button onClick={() => setConfirm(null)}>Cancel</Button>
        </div>
        <ErrorMessage error={remove.error ?? rotate.error} what={confirm === "delete" ? "Deleting" : "Rotating"} />
      </Dialog>
      {showLog && <DeliveryLog client={client} endpointId={endpoint.id} />}
    </li>
  );
}

const DELIVERY_STATUS: Record<string, string> = { PENDING: "• Waiting", SENT: "✓ Sent", FAILED: "↻ Failed, retrying", GAVE_UP: "✕ Given up" };

function DeliveryLog({ client, endpointId }: { client: Client; endpointId: string }) {
  const log = useQuery(() => client.online.admin.webhooks.deliveries.query({ endpointId, limit: 50 }), [client, endpointId]);
  return (
    <div className="admin-log">
      <ErrorMessage error={log.error} what="The delivery log" />
      {log.data &&
        (log.data.deliveries.length === 0 ? (
          <p className="muted">No deliveries yet.</p>
        ) : (
          <table className="data-table" aria-label="Deliveries">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">HTTP</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {log.data.deliveries.map((d) => (
                <tr key={d.id}>
                  <td>
                    <When iso={d.createdAt} />
                  </td>
                  <td>{d.eventType}</td>
                  <td>{DELIVERY_STATUS[d.status] ?? d.status}</td>
                  <td>{d.attempts}</td>
                  <td>{d.responseStatus ?? ""}</td>
                  <td className="admin-wrap">{d.lastError ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </div>
  );
}

import { StationEnrollmentInput, type EnrollmentCreated, type StationView } from "@orderdeck/contracts";
import { useState, type FormEvent } from "react";
import type { ScreenProps } from "../navigation/screens.ts";
import { Button } from "../ui/Button.tsx";
import { Dialog } from "../ui/Dialog.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { useMutation, useQuery } from "../ui/query.ts";
import { When } from "../ui/time.tsx";
import { check, Field, type FieldErrors } from "./form.tsx";

export function StationsSection({ client, online, setup }: ScreenProps) {
  const stations = useQuery(() => client.online.admin.stations.list.query(), [client, online]);
  const [name, setName] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [code, setCode] = useState<EnrollmentCreated | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const create = useMutation((stationName: string) => client.online.admin.stations.createEnrollment.mutate({ name: stationName }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = check(StationEnrollmentInput, { name });
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    const created = await create.run(checked.value.name);
    if (created) {
      setCode(created);
      setName("");
      stations.refetch();
    }
  };

  return (
    <div className="admin-section">
      <section className="panel" aria-labelledby="admin-enroll-heading">
        <h2 id="admin-enroll-heading">Add a station</h2>
        <p className="muted">A one-time code, valid 24 hours, that a new console enters on its first start.</p>
        <form onSubmit={submit} noValidate className="admin-form">
          <Field id="new-station-name" label="Station name" error={errors.name} hint="Where the console stands, e.g. Front counter.">
            {(describedBy) => <input id="new-station-name" value={name} onChange={(e) => setName(e.target.value)} aria-describedby={describedBy} aria-invalid={Boolean(errors.name)} />}
          </Field>
          <div className="button-row">
            <Button type="submit" variant="primary" busy={create.pending} busyLabel="Creating…">
              Create enrollment code
            </Button>
          </div>
          <ErrorMessage error={create.error} what="Creating the code" />
        </form>
      </section>

      <Dialog title="Enrollment code" open={code !== null} onClose={() => setCode(null)}>
        {code && (
          <div className="admin-code-box">
            <p>
              Enter this code on the new console <strong>{code.name}</strong>. It is shown only now and works once.
            </p>
            <p className="admin-code" aria-label={`Enrollment code ${code.code.split("").join(" ")}`}>
              {code.code}
            </p>
            <p>
              Valid until <When iso={code.expiresAt} />.
            </p>
            <Button variant="primary" onClick={() => setCode(null)}>
              I have written it down
            </Button>
          </div>
        )}
      </Dialog>

      <section className="panel" aria-labelledby="admin-stations-heading">
        <h2 id="admin-stations-heading">Stations</h2>
        {done && (
          <p role="status" className="admin-done">
            <span aria-hidden="true">✓ </span>
            {done}
          </p>
        )}
        <ErrorMessage error={stations.error} what="The station list" />
        {stations.data && (
          <>
            {stations.data.stations.length === 0 ? (
              <p className="muted">No stations yet.</p>
            ) : (
              <table className="data-table" aria-label="Stations">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Status</th>
                    <th scope="col">Last seen</th>
                    <th scope="col">Enrolled</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {stations.data.stations.map((station) => (
                    <StationRow
                      key={station.id}
                      client={client}
                      station={station}
                      self={station.id === setup.station?.id}
                      onRevoked={(message) => {
                        setDone(message);
                        stations.refetch();
                      }}
                    />
                  ))}
                </tbody>
              </table>
            )}
            <h3>Codes not used yet</h3>
            {stations.data.pendingEnrollments.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <ul>
                {stations.data.pendingEnrollments.map((pending) => (
                  <li key={pending.id}>
                    {pending.name}: created <When iso={pending.createdAt} />
                    {pending.createdBy ? ` by ${pending.createdBy.name}` : ""}, valid until <When iso={pending.expiresAt} />
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </section>
    </div>
  );
}

function StationRow({ client, station, self, onRevoked }: { client: ScreenProps["client"]; station: StationView; self: boolean; onRevoked: (message: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation(() => client.online.admin.stations.revoke.mutate({ stationId: station.id }));
  return (
    <tr>
      <th scope="row">
        {station.name}
        {self && <span className="muted"> (this console)</span>}
      </th>
      <td>{station.revokedAt ? <strong>Revoked</strong> : "Active"}</td>
      <td>{station.lastSeenAt ? <When iso={station.lastSeenAt} /> : <span className="muted">never</span>}</td>
      <td>
        <When iso={station.createdAt} />
      </td>
      <td>
        {!station.revokedAt && (
          <Button variant="danger" aria-label={`Revoke ${station.name}`} onClick={() => setConfirming(true)}>
            Revoke…
          </Button>
        )}
        <ErrorMessage error={revoke.error} what="Revoking" />
        <Dialog title={`Revoke ${station.name}?`} open={confirming} onClose={() => setConfirming(false)}>
          <p>
            The console stops working at once and everyone signed in there is signed out.{self ? " This is the console you are using: you will be signed out too." : ""} It needs a new enrollment code to work again.
          </p>
          <div className="button-row">
            <Button
              variant="danger"
              busy={revoke.pending}
              busyLabel="Revoking…"
              onClick={async () => {
                const answer = await revoke.run(undefined);
                setConfirming(false);
                if (answer) onRevoked(`${answer.station.name} is revoked; ${answer.sessionsRevoked} ${answer.sessionsRevoked === 1 ? "session" : "sessions"} ended.`);
              }}
            >
              Revoke station
            </Button>
            <Button onClick={() => setConfirming(false)}>Keep it</Button>
          </div>
        </Dialog>
      </td>
    </tr>
  );
}

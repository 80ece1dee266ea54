import { StationEnrollmentInput, type EnrollmentCreated, type StationView } from "@orderdeck/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { ScreenProps } from "../navigation/screens.ts";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { ActionTable } from "../ui/ActionTable.tsx";
import { Button } from "../ui/Button.tsx";
import { ConfirmDialog } from "../ui/ConfirmDialog.tsx";
import { Dialog } from "../ui/Dialog.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { When } from "../ui/time.tsx";
import { check, Done, Field, type FieldErrors, SubmitRow } from "./form.tsx";

export function StationsSection({ setup }: ScreenProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const stations = useQuery(trpc.online.admin.stations.list.queryOptions());
  const reload = () => void queryClient.invalidateQueries(trpc.online.admin.stations.list.queryFilter());
  const [name, setName] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [code, setCode] = useState<EnrollmentCreated | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const create = useAction(trpc.online.admin.stations.createEnrollment.mutationOptions());

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = check(StationEnrollmentInput, { name });
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    const created = await create.run({ name: checked.value.name });
    if (created) {
      setCode(created);
      setName("");
      reload();
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
          <SubmitRow label="Create enrollment code" busy={create.isPending} busyLabel="Creating…" error={create.error} what="Creating the code" />
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
        <Done message={done} />
        <ErrorMessage error={stations.error} what="The station list" />
        {stations.data && (
          <>
            <ActionTable
              label="Stations"
              rows={stations.data.stations}
              rowKey={(station) => station.id}
              empty="No stations yet."
              columns={[
                {
                  header: "Name",
                  rowHeader: true,
                  cell: (station) => (
                    <>
                      {station.name}
                      {station.id === setup.station?.id && <span className="muted"> (this console)</span>}
                    </>
                  ),
                },
                { header: "Status", cell: (station) => (station.revokedAt ? <strong>Revoked</strong> : "Active") },
                { header: "Last seen", cell: (station) => (station.lastSeenAt ? <When iso={station.lastSeenAt} /> : <span className="muted">never</span>) },
                { header: "Enrolled", cell: (station) => <When iso={station.createdAt} /> },
              ]}
              actions={(station) => (
                <StationActions
                  station={station}
                  self={station.id === setup.station?.id}
                  onRevoked={(message) => {
                    setDone(message);
                    reload();
                  }}
                />
              )}
            />
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

function StationActions({ station, self, onRevoked }: { station: StationView; self: boolean; onRevoked: (message: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const revoke = useAction(useTRPC().online.admin.stations.revoke.mutationOptions());
  return (
    <>
      {!station.revokedAt && (
        <Button variant="danger" aria-label={`Revoke ${station.name}`} onClick={() => setConfirming(true)}>
          Revoke…
        </Button>
      )}
      <ErrorMessage error={revoke.error} what="Revoking" />
      <ConfirmDialog
        title={`Revoke ${station.name}?`}
        open={confirming}
        onClose={() => setConfirming(false)}
        confirmLabel="Revoke station"
        busy={revoke.isPending}
        busyLabel="Revoking…"
        keepLabel="Keep it"
        onConfirm={async () => {
          const answer = await revoke.run({ stationId: station.id });
          setConfirming(false);
          if (answer) onRevoked(`${answer.station.name} is revoked; ${answer.sessionsRevoked} ${answer.sessionsRevoked === 1 ? "session" : "sessions"} ended.`);
        }}
      >
        <p>
          The console stops working at once and everyone signed in there is signed out.{self ? " This is the console you are using: you will be signed out too." : ""} It needs a new enrollment code to work again.
        </p>
      </ConfirmDialog>
    </>
  );
}

import { allowedNextStatuses, formatMoney, formatPickupCode, type JobLabel } from "@orderdeck/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { hrefOf } from "../navigation/hash-router.ts";
import { hasRole } from "../navigation/roles.ts";
import type { ScreenProps } from "../navigation/screens.ts";
import { printPage } from "../printing/print.ts";
import { Button } from "../ui/Button.tsx";
import { DataTable } from "../ui/DataTable.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { useNotices } from "../ui/Notices.tsx";
import { useTRPC, useTRPCClient } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { When } from "../ui/time.tsx";
import { CustomerLinkPanel } from "./CustomerLinkPanel.tsx";
import { STATUS_LABEL, slaOf, timelineWhat } from "./job-words.ts";
import "./board.css";

/** One job: its fields from the cache, notes and status (offline-capable), timeline and label (online). */
export function JobDetailScreen({ setup, online, jobId }: ScreenProps & { jobId: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const { toast } = useNotices();
  const job = useQuery(trpc.queue.get.queryOptions({ id: jobId }));
  const timeline = useQuery(trpc.queue.timeline.queryOptions({ id: jobId }, { enabled: online }));
  const [notes, setNotes] = useState<string | null>(null);
  // The job's own change (queued or answered) shows at once, without waiting for the next sync.
  const reloadJob = { onSettled: () => queryClient.invalidateQueries(trpc.queue.get.queryFilter({ id: jobId })) };
  const saveNote = useAction(trpc.jobs.note.mutationOptions(reloadJob));
  const transition = useAction(trpc.jobs.transition.mutationOptions(reloadJob));
  // A read, but one the person asks for by pressing a button: it has a busy state and an error like a change.
  const label = useAction({ mutationFn: () => client.online.labels.job.query({ jobId, format: "png" }) });
  const [printed, setPrinted] = useState<JobLabel | null>(null);

  // The field follows the job until the person starts editing.
  const current = job.data;
  useEffect(() => {
    if (current && notes === null) setNotes(current.notes ?? "");
  }, [current, notes]);

  if (job.error) return <ErrorMessage error={job.error} what="Loading the job" />;
  if (!current) {
    return (
      <section className="screen">
        <h1>Job</h1>
        <p role="status">{job.isFetching ? "Loading…" : "This job is not in this console's copy (closed long ago, archived or unknown)."}</p>
        <a href={hrefOf("/board")}>Back to the queue</a>
      </section>
    );
  }
  const sla = slaOf(current);
  const next = allowedNextStatuses(current.status, current.fulfilment).filter((status) => status !== "PICKED_UP");

  const printLabel = async () => {
    const answer = await label.run();
    if (!answer) return;
    setPrinted(answer);
    // Let the label image render before the print dialog takes its picture of the page.
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50)));
    await printPage("80mm", { targetOnly: true });
  };

  return (
    <section className="screen job-detail" aria-labelledby="job-heading">
      <p className="no-print">
        <a href={hrefOf("/board")}>← Queue</a>
      </p>
      <h1 id="job-heading">
        {current.displayNumber}: {current.title}
      </h1>
      {current.pendingChanges > 0 && (
        <p className="pending-badge" role="status">
          <span aria-hidden="true">↻</span> {current.pendingChanges} change(s) waiting for the server
        </p>
      )}
      <dl>
        <dt>Status</dt>
        <dd>{STATUS_LABEL[current.status]}</dd>
        <dt>Customer</dt>
        <dd>{current.customerName ?? "—"}</dd>
        <dt>Due</dt>
        <dd>
          {current.dueAt ? <When iso={current.dueAt} /> : "No due date"} <span className={`sla-text sla-text--${sla.level}`}>{sla.text}</span>
        </dd>
        <dt>Quantity</dt>
        <dd>{current.quantity}</dd>
        <dt>Machine / material</dt>
        <dd>{[current.machine, current.material, current.colour].filter(Boolean).join(" · ") || "—"}</dd>
        <dt>Price</dt>
        <dd>
          {formatMoney(current.priceCents, current.currency)} ({current.paymentStatus.toLowerCase()}, paid {formatMoney(current.paidCents, current.currency)})
        </dd>
        <dt>Pickup code</dt>
        <dd>
          <code>{formatPickupCode(current.pickupCode)}</code>
        </dd>
        <dt>Assignee</dt>
        <dd>{current.assigneeName ?? "Unassigned"}</dd>
      </dl>

      <div className="button-row no-print" role="group" aria-label="Change status">
        {next.map((status) => (
          <Button
            key={status}
            busy={transition.isPending}
            onClick={() =>
              void transition.run({ id: jobId, to: status }).then((answer) => {
                if (answer) toast(answer.status === "rejected" || answer.status === "conflict" ? "error" : "info", answer.message ?? `Now ${STATUS_LABEL[status]}.`);
              })
            }
          >
            Mark {STATUS_LABEL[status]}
          </Button>
        ))}
        <Button onClick={() => void printLabel()} busy={label.isPending} busyLabel="Preparing label…">
          Print label
        </Button>
        <a className="button button--secondary" href={hrefOf("/edit-job", current.id)}>
          Edit job
        </a>
      </div>
      <ErrorMessage error={transition.error} what="Changing the status" />
      <ErrorMessage error={label.error} what="Label printing" />

      <form
        className="panel no-print"
        aria-labelledby="notes-heading"
        onSubmit={(event) => {
          event.preventDefault();
          const text = notes ?? "";
          void saveNote.run({ id: jobId, notes: text.trim() ? text : null }).then((answer) => {
            if (answer) toast("info", answer.status === "pending" ? "Note saved here; it goes to the server with the next sync." : "Note saved.");
          });
        }}
      >
        <h2 id="notes-heading">Notes</h2>
        <label htmlFor="job-notes">Notes for this job</label>
        <textarea id="job-notes" value={notes ?? ""} maxLength={4000} onChange={(event) => setNotes(event.target.value)} />
        <ErrorMessage error={saveNote.error} what="Saving the note" />
        <Button type="submit" variant="primary" busy={saveNote.isPending} busyLabel="Saving…">
          Save note
        </Button>
      </form>

      {online && hasRole(setup.user?.role, "LEAD") && <CustomerLinkPanel jobId={jobId} />}

      <section className="panel no-print" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        {!online ? (
          <p className="muted">The timeline needs the server (offline now).</p>
        ) : (
          <>
            <ErrorMessage error={timeline.error} what="Loading the timeline" />
            <DataTable
              label="Timeline"
              rows={timeline.data?.timeline ?? []}
              rowKey={(event) => event.id}
              empty={timeline.isFetching ? "Loading…" : "No events."}
              columns={[
                { header: "When", cell: (event) => <When iso={event.at} /> },
                { header: "What", cell: (event) => timelineWhat(event, current.currency) },
                { header: "Who", cell: (event) => [event.actor.userName, event.actor.stationName].filter(Boolean).join(" at ") || "System" },
              ]}
            />
          </>
        )}
      </section>

      {printed?.format === "png" && (
        <div className="print-target label-preview" aria-label="Label">
          <img src={`data:image/png;base64,${printed.base64}`} alt={`Label of ${current.displayNumber}`} style={{ width: `${printed.stock.widthMm}mm` }} />
        </div>
      )}
    </section>
  );
}

import type { HandoffSummary } from "@orderdeck/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { CachedHandoffSummary, HandoffSummaryAnswer } from "../../../shared/local-api.ts";
import { hasRole } from "../navigation/roles.ts";
import type { ScreenProps } from "../navigation/screens.ts";
import { applyPageSize, canSavePdfDirectly, PAGE_SIZES, printPage, savePdf, type PrintPageSize } from "../printing/print.ts";
import { Button } from "../ui/Button.tsx";
import { DataTable } from "../ui/DataTable.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { useNotices } from "../ui/Notices.tsx";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { When } from "../ui/time.tsx";
import "./handoff.css";

/** One shape for both sources: the server's summary, or the cache's (some counts unknown offline). */
interface SummaryView {
  source: "server" | "cache";
  asOf: string | null;
  periodText: string;
  basis: string;
  counts: { label: string; value: number | null }[];
  pickedUp: { key: string; number: string; title: string; at: string; by: string | null; pending: boolean }[];
  readyWaiting: { key: string; number: string; title: string; customer: string | null; unpaid: boolean; amountDue: string }[];
  overdue: { key: string; number: string; title: string; dueAt: string }[];
  nextInQueue: { key: string; number: string; title: string; position: number }[];
}

const BASIS: Record<string, string> = { since_last_handoff: "since the last handoff", current_shift: "this shift", chosen: "chosen period" };

/** The counts both summaries have (the cache's are null where it cannot know them: it keeps no timelines). */
function periodCounts(c: Record<"received" | "started" | "finished" | "pickedUp" | "failed" | "reprinted" | "readyWaiting" | "readyUnpaid" | "overdue", number | null>) {
  return [
    { label: "Received", value: c.received },
    { label: "Started", value: c.started },
    { label: "Finished", value: c.finished },
    { label: "Picked up", value: c.pickedUp },
    { label: "Failed", value: c.failed },
    { label: "Reprinted", value: c.reprinted },
    { label: "Ready, waiting", value: c.readyWaiting },
    { label: "Ready, unpaid", value: c.readyUnpaid },
    { label: "Overdue", value: c.overdue },
  ];
}

function viewOf(answer: HandoffSummaryAnswer): SummaryView {
  return answer.source === "server" ? fromServer(answer.summary) : fromCache(answer);
}

function fromServer(s: HandoffSummary): SummaryView {
  const c = s.counts;
  return {
    source: "server",
    asOf: s.generatedAt,
    periodText: `${s.period.fromLocal} – ${s.period.toLocal}`,
    basis: BASIS[s.period.basis] ?? s.period.basis,
    counts: [...periodCounts(c), { label: "Open exceptions", value: c.openExceptions }, { label: "Scans refused", value: c.scansRefused }],
    pickedUp: s.pickedUp.map((j) => ({ key: j.jobId, number: j.number, title: j.title, at: j.at, by: j.by, pending: false })),
    readyWaiting: s.readyWaiting.map((j) => ({ key: j.jobId, number: j.number, title: j.title, customer: j.customer, unpaid: j.unpaid, amountDue: j.amountDue })),
    overdue: s.overdue.map((j) => ({ key: j.jobId, number: j.number, title: j.title, dueAt: j.dueAt })),
    nextInQueue: s.nextInQueue.map((j) => ({ key: j.jobId, number: j.number, title: j.title, position: j.position })),
  };
}

function fromCache(s: CachedHandoffSummary): SummaryView {
  const c = s.counts;
  return {
    source: "cache",
    asOf: s.asOf,
    periodText: `${new Date(s.period.from).toLocaleString()} – ${new Date(s.period.to).toLocaleString()}`,
    basis: BASIS[s.period.basis] ?? s.period.basis,
    counts: [...periodCounts(c), { label: "Failed now", value: c.failedNow }],
    pickedUp: s.pickedUp.map((j) => ({ key: j.jobId, number: j.number, title: j.title, at: j.at, by: j.by, pending: j.pendingSync })),
    readyWaiting: s.readyWaiting.map((j) => ({ key: j.jobId, number: j.number, title: j.title, customer: j.customer, unpaid: j.unpaid, amountDue: j.amountDue })),
    overdue: s.overdue.map((j) => ({ key: j.jobId, number: j.number, title: j.title, dueAt: j.dueAt })),
    nextInQueue: s.nextInQueue.map((j) => ({ key: j.jobId, number: j.number, title: j.title, position: j.position })),
  };
}

/** The shift handoff: what happened, where the floor stands, the outgoing lead's notes; print or PDF. */
export function HandoffScreen({ setup }: ScreenProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { toast } = useNotices();
  const summary = useQuery(trpc.handoff.summary.queryOptions());
  const handoffs = useQuery(trpc.handoff.list.queryOptions());
  const [notes, setNotes] = useState("");
  const [pageSize, setPageSize] = useState<PrintPageSize>("A4");
  const isLead = hasRole(setup.user?.role, "LEAD");
  // A handoff written or acknowledged here changes both the summary and the list at once.
  const reload = { onSettled: () => queryClient.invalidateQueries(trpc.handoff.pathFilter()) };
  const create = useAction(trpc.handoff.create.mutationOptions(reload));
  const acknowledge = useAction(trpc.handoff.acknowledge.mutationOptions(reload));

  // The chosen paper applies to any print of this page, the browser's own menu included.
  useEffect(() => applyPageSize(pageSize), [pageSize]);

  const view = summary.data ? viewOf(summary.data) : null;
  const userId = setup.user?.id;

  return (
    <section className="screen handoff" aria-labelledby="handoff-heading">
      <h1 id="handoff-heading">Shift handoff</h1>
      <ErrorMessage error={summary.error} what="Loading the summary" />
      {!view && !summary.error && <p role="status">Loading…</p>}
      {view && (
        <>
          <p className="handoff-period">
            <strong>Period:</strong> {view.periodText} ({view.basis}){setup.site && <> · {setup.site.name}</>}
          </p>
          {view.source === "cache" ? (
            <p className="handoff-stamp" role="status">
              <span aria-hidden="true">⚡</span> Offline — as of last sync {view.asOf ? <When iso={view.asOf} /> : "(never synced)"}. Counts marked "unknown" need the server.
            </p>
          ) : (
            view.asOf && (
              <p className="muted">
                Computed <When iso={view.asOf} />
              </p>
            )
          )}
          <section aria-labelledby="handoff-counts-heading">
            <h2 id="handoff-counts-heading">Counts</h2>
            <dl className="handoff-counts">
              {view.counts.map((count) => (
                <div key={count.label} className="handoff-count">
                  <dt>{count.label}</dt>
                  <dd>{count.value ?? "unknown"}</dd>
                </div>
              ))}
            </dl>
          </section>
          <div className="handoff-lists">
            <section aria-labelledby="handoff-picked-heading">
              <h2 id="handoff-picked-heading">Picked up</h2>
              <DataTable
                label="Picked up"
                rows={view.pickedUp}
                rowKey={(r) => r.key}
                empty="None in this period."
                columns={[
                  { header: "Job", cell: (r) => r.number },
                  { header: "Title", cell: (r) => r.title },
                  { header: "When", cell: (r) => <When iso={r.at} /> },
                  { header: "By", cell: (r) => `${r.by ?? "—"}${r.pending ? " (pending sync)" : ""}` },
                ]}
              />
            </section>
            <section aria-labelledby="handoff-ready-heading">
              <h2 id="handoff-ready-heading">Ready, waiting</h2>
              <DataTable
                label="Ready, waiting"
                rows={view.readyWaiting}
                rowKey={(r) => r.key}
                empty="Nothing waiting."
                columns={[
                  { header: "Job", cell: (r) => r.number },
                  { header: "Title", cell: (r) => r.title },
                  { header: "Customer", cell: (r) => r.customer ?? "—" },
                  { header: "Payment", cell: (r) => (r.unpaid ? `Unpaid: ${r.amountDue} due` : "Paid") },
                ]}
              />
            </section>
            <section aria-labelledby="handoff-overdue-heading">
              <h2 id="handoff-overdue-heading">Overdue</h2>
              <DataTable
                label="Overdue"
                rows={view.overdue}
                rowKey={(r) => r.key}
                empty="Nothing overdue."
                columns={[
                  { header: "Job", cell: (r) => r.number },
                  { header: "Title", cell: (r) => r.title },
                  { header: "Due", cell: (r) => <When iso={r.dueAt} /> },
                ]}
              />
            </section>
            <section aria-labelledby="handoff-next-heading">
              <h2 id="handoff-next-heading">Next in queue</h2>
              <DataTable
                label="Next in queue"
                rows={view.nextInQueue}
                rowKey={(r) => r.key}
                empty="The queue is empty."
                columns={[
                  { header: "#", cell: (r) => r.position },
                  { header: "Job", cell: (r) => r.number },
                  { header: "Title", cell: (r) => r.title },
                ]}
              />
            </section>
          </div>
        </>
      )}

      <section className="panel" aria-labelledby="handoff-notes-heading">
        <h2 id="handoff-notes-heading">Notes</h2>
        <label htmlFor="handoff-notes" className="no-print">
          Notes for the incoming lead
        </label>
        <textarea id="handoff-notes" className="no-print" value={notes} maxLength={8000} onChange={(event) => setNotes(event.target.value)} />
        {/* What prints: the text itself, not a form field. */}
        <div className="print-only handoff-notes-print" data-testid="handoff-notes-print">
          {notes.trim() ? notes : "No notes."}
        </div>
        {isLead ? (
          <div className="no-print">
            <ErrorMessage error={create.error} what="Writing the handoff" />
            <Button
              variant="primary"
              busy={create.isPending}
              busyLabel="Saving…"
              onClick={() =>
                void create.run({ notes }).then((answer) => {
                  if (!answer) return;
                  toast(answer.status === "rejected" ? "error" : "info", answer.status === "pending" ? "Handoff saved here; it reaches the server with the next sync." : (answer.message ?? "Handoff written."));
                })
              }
            >
              Write handoff
            </Button>
          </div>
        ) : (
          <p className="muted no-print">A lead writes the handoff.</p>
        )}
      </section>

      <section className="panel no-print" aria-labelledby="handoff-print-heading">
        <h2 id="handoff-print-heading">Print</h2>
        <fieldset className="page-sizes">
          <legend>Paper</legend>
          {PAGE_SIZES.map((option) => (
            <label key={option.size}>
              <input type="radio" name="page-size" value={option.size} checked={pageSize === option.size} onChange={() => setPageSize(option.size)} /> {option.label}
            </label>
          ))}
        </fieldset>
        <div className="button-row">
          <Button onClick={() => void printPage(pageSize)}>Print</Button>
          <Button
            onClick={() =>
              void savePdf(pageSize, `handoff-${new Date().toISOString().slice(0, 10)}.pdf`).then(({ savedTo }) => {
                if (savedTo) toast("info", `Saved to ${savedTo}`);
              })
            }
          >
            Save as PDF
          </Button>
        </div>
        {!canSavePdfDirectly() && <p className="muted">In browser mode, "Save as PDF" opens the print dialog: choose "Save as PDF" as the printer there.</p>}
      </section>

      <section className="panel no-print" aria-labelledby="handoff-previous-heading">
        <h2 id="handoff-previous-heading">Previous handoffs</h2>
        <ErrorMessage error={handoffs.error} what="Loading previous handoffs" />
        <ErrorMessage error={acknowledge.error} what="Acknowledging" />
        <DataTable
          label="Previous handoffs"
          rows={handoffs.data ?? []}
          rowKey={(h) => h.id}
          empty="No handoffs yet."
          columns={[
            { header: "Written", cell: (h) => <When iso={h.createdAt} /> },
            { header: "By", cell: (h) => h.createdBy.name },
            { header: "Notes", cell: (h) => h.notes ?? "—" },
            {
              header: "Status",
              cell: (h) =>
                h.status === "ACKNOWLEDGED" ? (
                  <span>
                    <span aria-hidden="true">✓</span> Acknowledged by {h.acknowledgedBy?.name ?? "—"}
                  </span>
                ) : isLead && h.createdBy.id !== userId ? (
                  <Button
                    busy={acknowledge.isPending}
                    onClick={() =>
                      void acknowledge.run({ id: h.id }).then((answer) => {
                        if (answer) toast("info", "Handoff acknowledged.");
                      })
                    }
                  >
                    Acknowledge handoff by {h.createdBy.name}
                  </Button>
                ) : (
                  <span>Open{h.createdBy.id === userId ? " (the incoming lead acknowledges it)" : ""}</span>
                ),
            },
          ]}
        />
      </section>
    </section>
  );
}

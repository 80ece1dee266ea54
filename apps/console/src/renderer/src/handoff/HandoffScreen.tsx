import { HANDOFF_PRINT_ROWS, siteDateStamp } from "@orderdeck/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { hasRole } from "../navigation/roles.ts";
import type { ScreenProps } from "../navigation/screens.ts";
import { applyPageSize, canSavePdfDirectly, PAGE_SIZES, printPage, savePdf, type PrintPageSize } from "../printing/print.ts";
import { Button } from "../ui/Button.tsx";
import { DataTable, type Column } from "../ui/DataTable.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { useNotices } from "../ui/Notices.tsx";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { SiteZoneNote, useSiteTime, When } from "../ui/time.tsx";
import { viewOf, type HandoffList } from "./handoff-view.ts";
import "./handoff.css";

/**
 * One list of the handoff under its heading with the true count: at most HANDOFF_PRINT_ROWS rows,
 * then "… and N more", so one busy evening does not print six pages.
 */
function HandoffSection<T>({ id, title, list, rowKey, empty, columns }: { id: string; title: string; list: HandoffList<T>; rowKey: (row: T) => string; empty: ReactNode; columns: Column<T>[] }) {
  const shown = list.rows.slice(0, HANDOFF_PRINT_ROWS);
  const more = list.total - shown.length;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>
        {title}
        {list.total > 0 && ` (${list.total})`}
      </h2>
      <DataTable label={title} rows={shown} rowKey={rowKey} empty={empty} columns={columns} />
      {more > 0 && <p className="handoff-more">… and {more} more</p>}
    </section>
  );
}

/** A job number never breaks across lines ("J-" on one, "000299" on the next). */
const JOB_COLUMN = { header: "Job", className: "job-number" } as const;

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

  const { timeZone } = useSiteTime();
  const view = summary.data ? viewOf(summary.data, timeZone) : null;
  const userId = setup.user?.id;

  return (
    <section className="screen handoff" aria-labelledby="handoff-heading">
      <h1 id="handoff-heading">Shift handoff</h1>
      <ErrorMessage error={summary.error} what="Loading the summary" />
      {!view && !summary.error && <p role="status">Loading…</p>}
      {view && (
        <>
          <p className="handoff-period">
            <strong>Period:</strong> {view.periodText} ({view.basis}){setup.site && <> · {setup.site.name}</>} · <SiteZoneNote />
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
            <HandoffSection
              id="handoff-picked-heading"
              title="Picked up"
              list={view.pickedUp}
              rowKey={(r) => r.key}
              empty="None in this period."
              columns={[
                { ...JOB_COLUMN, cell: (r) => r.number },
                { header: "Title", cell: (r) => r.title },
                { header: "When", cell: (r) => <When iso={r.at} /> },
                { header: "By", cell: (r) => `${r.by ?? "—"}${r.pending ? " (pending sync)" : ""}` },
              ]}
            />
            <HandoffSection
              id="handoff-ready-heading"
              title="Ready, waiting"
              list={view.readyWaiting}
              rowKey={(r) => r.key}
              empty="Nothing waiting."
              columns={[
                { ...JOB_COLUMN, cell: (r) => r.number },
                { header: "Title", cell: (r) => r.title },
                { header: "Customer", cell: (r) => r.customer ?? "—" },
                { header: "Payment", cell: (r) => (r.unpaid ? `Unpaid: ${r.amountDue} due` : "Paid") },
              ]}
            />
            <HandoffSection
              id="handoff-overdue-heading"
              title="Overdue"
              list={view.overdue}
              rowKey={(r) => r.key}
              empty="Nothing overdue."
              columns={[
                { ...JOB_COLUMN, cell: (r) => r.number },
                { header: "Title", cell: (r) => r.title },
                { header: "Due", cell: (r) => <When iso={r.dueAt} /> },
              ]}
            />
            <HandoffSection
              id="handoff-next-heading"
              title="Next in queue"
              list={view.nextInQueue}
              rowKey={(r) => r.key}
              empty="The queue is empty."
              columns={[
                { header: "#", cell: (r) => r.position },
                { ...JOB_COLUMN, cell: (r) => r.number },
                { header: "Title", cell: (r) => r.title },
              ]}
            />
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
              void savePdf(pageSize, `handoff-${siteDateStamp(new Date(), timeZone)}.pdf`).then(({ savedTo }) => {
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

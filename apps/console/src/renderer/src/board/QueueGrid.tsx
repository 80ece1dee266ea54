import { allowedNextStatuses, type JobStatus } from "@orderdeck/contracts";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef, useState, type DragEvent, type KeyboardEvent } from "react";
import type { LocalJob } from "../../../shared/local-api.ts";
import { hrefOf } from "../navigation/hash-router.ts";
import { STATUS_LABEL, slaOf } from "./job-words.ts";

export const ROW_HEIGHT = 52;

export interface GridActions {
  canReorder: boolean;
  onMove(job: LocalJob, direction: "up" | "down"): void;
  /** Drag and drop: put `id` directly before `target`. */
  onDropBefore(id: string, target: LocalJob): void;
  onStatus(job: LocalJob, to: JobStatus): void;
  selected: ReadonlySet<string>;
  onSelect(id: string, selected: boolean): void;
  onSelectAll(selected: boolean): void;
}

const SLA_ICON = { ok: "✓", warn: "!", overdue: "✕", none: "" } as const;

/**
 * The queue as an ARIA grid that is its own scroll container; only the rows in view (plus a few)
 * are in the DOM, so 10 000 jobs scroll like 50.
 */
export function QueueGrid({ jobs, actions }: { jobs: readonly LocalJob[]; actions: GridActions }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: jobs.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const [dragging, setDragging] = useState<string | null>(null);
  const now = new Date();
  const allSelected = jobs.length > 0 && jobs.every((job) => actions.selected.has(job.id));

  const onRowKey = (event: KeyboardEvent, job: LocalJob) => {
    if (!actions.canReorder || !event.altKey) return;
    if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      event.preventDefault();
      actions.onMove(job, event.key === "ArrowUp" ? "up" : "down");
    }
  };
  const onDrop = (event: DragEvent, target: LocalJob) => {
    event.preventDefault();
    const id = event.dataTransfer.getData("application/x-orderdeck-job") || dragging;
    setDragging(null);
    if (id && id !== target.id) actions.onDropBefore(id, target);
  };

  return (
    <div className="queue-grid-wrap">
      <div className="queue-row queue-row--header" role="presentation">
        <span className="col-select">
          <input type="checkbox" aria-label="Select all jobs shown" checked={allSelected} onChange={(event) => actions.onSelectAll(event.target.checked)} />
        </span>
        <span className="col-number">Job</span>
        <span className="col-title">Title</span>
        <span className="col-customer">Customer</span>
        <span className="col-status">Status</span>
        <span className="col-sla">Due / SLA</span>
        <span className="col-pay">Payment</span>
        {actions.canReorder && <span className="col-move">Order</span>}
      </div>
      <div ref={scrollRef} className="queue-grid" role="grid" aria-label="Queue" aria-rowcount={jobs.length} tabIndex={0}>
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }} role="rowgroup">
          {virtualizer.getVirtualItems().map((item) => {
            const job = jobs[item.index] as LocalJob;
            const sla = slaOf(job, now);
            const next = allowedNextStatuses(job.status, job.fulfilment).filter((status) => status !== "PICKED_UP");
            return (
              <div
                key={job.id}
                role="row"
                aria-rowindex={item.index + 1}
                aria-label={`${job.displayNumber} ${job.title}`}
                tabIndex={-1}
                className={`queue-row sla--${sla.level} ${dragging === job.id ? "queue-row--dragging" : ""}`}
                data-ageing={sla.ageing ?? undefined}
                style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                draggable={actions.canReorder}
                onDragStart={(event) => {
                  event.dataTransfer.setData("application/x-orderdeck-job", job.id);
                  event.dataTransfer.effectAllowed = "move";
                  setDragging(job.id);
                }}
                onDragEnd={() => setDragging(null)}
                onDragOver={(event) => {
                  if (actions.canReorder) event.preventDefault();
                }}
                onDrop={(event) => onDrop(event, job)}
                onKeyDown={(event) => onRowKey(event, job)}
              >
                <span role="gridcell" className="col-select">
                  <input
                    type="checkbox"
                    aria-label={`Select ${job.displayNumber}`}
                    checked={actions.selected.has(job.id)}
                    onChange={(event) => actions.onSelect(job.id, event.target.checked)}
                  />
                </span>
                <span role="gridcell" className="col-number">
                  <a href={hrefOf("/jobs", job.id)}>{job.displayNumber}</a>
                  {job.pendingChanges > 0 && (
                    <span className="pending-badge" title="Changes made here that the server has not answered yet">
                      {" "}
                      <span aria-hidden="true">↻</span> pending
                    </span>
                  )}
                </span>
                <span role="gridcell" className="col-title" title={job.title}>
                  {job.title}
                </span>
                <span role="gridcell" className="col-customer">
                  {job.customerName ?? "—"}
                </span>
                <span role="gridcell" className="col-status">
                  <select
                    aria-label={`Status of ${job.displayNumber}`}
                    value={job.status}
                    disabled={next.length === 0}
                    onChange={(event) => actions.onStatus(job, event.target.value as JobStatus)}
                  >
                    <option value={job.status}>{STATUS_LABEL[job.status]}</option>
                    {next.map((status) => (
                      <option key={status} value={status}>
                        → {STATUS_LABEL[status]}
                      </option>
                    ))}
                  </select>
                </span>
                <span role="gridcell" className={`col-sla sla-text sla-text--${sla.level}`}>
                  {sla.level !== "none" && <span aria-hidden="true">{SLA_ICON[sla.level]} </span>}
                  {sla.text}
                </span>
                <span role="gridcell" className="col-pay">
                  {job.paymentStatus === "UNPAID" ? "Unpaid" : job.paymentStatus.charAt(0) + job.paymentStatus.slice(1).toLowerCase()}
                </span>
                {actions.canReorder && (
                  <span role="gridcell" className="col-move">
                    <button type="button" className="button button--secondary button--small" aria-label={`Move ${job.displayNumber} up`} disabled={item.index === 0} onClick={() => actions.onMove(job, "up")}>
                      ↑
                    </button>
                    <button
                      type="button"
                      className="button button--secondary button--small"
                      aria-label={`Move ${job.displayNumber} down`}
                      disabled={item.index === jobs.length - 1}
                      onClick={() => actions.onMove(job, "down")}
                    >
                      ↓
                    </button>
                  </span>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

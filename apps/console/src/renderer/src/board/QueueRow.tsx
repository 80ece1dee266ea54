import { allowedNextStatuses, type JobStatus } from "@orderdeck/contracts";
import { memo, type DragEvent, type KeyboardEvent } from "react";
import type { LocalJob } from "../../../shared/local-api.ts";
import { hrefOf } from "../navigation/hash-router.ts";
import { STATUS_LABEL, slaOf } from "./job-words.ts";

export const ROW_HEIGHT = 52;

const SLA_ICON = { ok: "✓", warn: "!", overdue: "✕", none: "" } as const;

/** What a row does, the same functions for the grid's whole life (so a row is drawn again only when its own job or state changes). */
export interface RowHandlers {
  onMove(job: LocalJob, direction: "up" | "down"): void;
  onDrop(event: DragEvent, target: LocalJob): void;
  onDragStart(event: DragEvent, job: LocalJob): void;
  onDragEnd(): void;
  onStatus(job: LocalJob, to: JobStatus): void;
  onSelect(id: string, selected: boolean): void;
}

export interface QueueRowProps {
  job: LocalJob;
  index: number;
  /** Pixels from the top of the grid's content. */
  start: number;
  last: boolean;
  canReorder: boolean;
  selected: boolean;
  dragging: boolean;
  /** The minute of the grid's last render: a row's due and ageing words are worked out again when it turns. */
  minute: number;
  /** Drawn for one frame of a fling (see QueueGrid's usePassingScroll): the row's words without its controls. */
  passing: boolean;
  handlers: RowHandlers;
}

const onRowKey = (event: KeyboardEvent, job: LocalJob, handlers: RowHandlers) => {
  if (!event.altKey) return;
  if (event.key === "ArrowUp" || event.key === "ArrowDown") {
    event.preventDefault();
    handlers.onMove(job, event.key === "ArrowUp" ? "up" : "down");
  }
};

/** One job of the queue grid. Memoized: scrolling adds the rows coming into view and leaves the others as they are. */
// `minute` is not read: it only lets the memo draw the row again when the minute turns.
export const QueueRow = memo(function QueueRow({ job, index, start, last, canReorder, selected, dragging, passing, handlers }: QueueRowProps) {
  const sla = slaOf(job, new Date());
  const next = passing ? [] : allowedNextStatuses(job.status, job.fulfilment).filter((status) => status !== "PICKED_UP");
  return (
    <div
      role="row"
      aria-rowindex={index + 1}
      aria-label={`${job.displayNumber} ${job.title}`}
      tabIndex={-1}
      className={`queue-row sla--${sla.level} ${dragging ? "queue-row--dragging" : ""}`}
      data-ageing={sla.ageing ?? undefined}
      style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${start}px)` }}
      draggable={canReorder}
      onDragStart={(event) => handlers.onDragStart(event, job)}
      onDragEnd={handlers.onDragEnd}
      onDragOver={(event) => {
        if (canReorder) event.preventDefault();
      }}
      onDrop={(event) => handlers.onDrop(event, job)}
      onKeyDown={canReorder ? (event) => onRowKey(event, job, handlers) : undefined}
    >
      <span role="gridcell" className="col-select">
        {!passing && <input type="checkbox" aria-label={`Select ${job.displayNumber}`} checked={selected} onChange={(event) => handlers.onSelect(job.id, event.target.checked)} />}
      </span>
      <span role="gridcell" className="col-number">
        {passing ? job.displayNumber : <a href={hrefOf("/jobs", job.id)}>{job.displayNumber}</a>}
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
        {passing ? (
          STATUS_LABEL[job.status]
        ) : (
          <select aria-label={`Status of ${job.displayNumber}`} value={job.status} disabled={next.length === 0} onChange={(event) => handlers.onStatus(job, event.target.value as JobStatus)}>
            <option value={job.status}>{STATUS_LABEL[job.status]}</option>
            {next.map((status) => (
              <option key={status} value={status}>
                → {STATUS_LABEL[status]}
              </option>
            ))}
          </select>
        )}
      </span>
      <span role="gridcell" className={`col-sla sla-text sla-text--${sla.level}`}>
        {sla.level !== "none" && <span aria-hidden="true">{SLA_ICON[sla.level]} </span>}
        {sla.text}
      </span>
      <span role="gridcell" className="col-pay">
        {job.paymentStatus === "UNPAID" ? "Unpaid" : job.paymentStatus.charAt(0) + job.paymentStatus.slice(1).toLowerCase()}
      </span>
      {canReorder && !passing && (
        <span role="gridcell" className="col-move">
          <button type="button" className="button button--secondary button--small" aria-label={`Move ${job.displayNumber} up`} disabled={index === 0} onClick={() => handlers.onMove(job, "up")}>
            ↑
          </button>
          <button type="button" className="button button--secondary button--small" aria-label={`Move ${job.displayNumber} down`} disabled={last} onClick={() => handlers.onMove(job, "down")}>
            ↓
          </button>
        </span>
      )}
    </div>
  );
});

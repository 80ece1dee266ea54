import type { JobStatus } from "@orderdeck/contracts";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useLayoutEffect, useMemo, useRef, useState } from "react";
import type { LocalJob } from "../../../shared/local-api.ts";
import { QueueRow, ROW_HEIGHT, type RowHandlers } from "./QueueRow.tsx";

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

/**
 * Rows drawn beyond the visible ones at each end. Rows are drawn in the scroll event itself, so
 * more only adds work to every frame: each is a dozen elements with a status menu, and at 12 a
 * fast scroll laid out 30 new rows a frame.
 */
export const OVERSCAN_ROWS = 3;

/**
 * True while a fling moves the grid more than a screenful between two draws. Every row then is new
 * and on screen for one frame, too briefly to be used: it is drawn without its controls, which
 * are most of a frame's work (the status menu alone about half its style time). Once the scroll
 * slows or ends (the virtualizer reports the end 150 ms after the last scroll event), every row
 * is drawn whole again.
 */
function usePassingScroll(offset: number, viewportHeight: number, scrolling: boolean): boolean {
  const lastOffset = useRef(offset);
  const passing = scrolling && viewportHeight > 0 && Math.abs(offset - lastOffset.current) > viewportHeight;
  useLayoutEffect(() => {
    lastOffset.current = offset;
  });
  return passing;
}

/**
 * The queue as an ARIA grid that is its own scroll container; only the rows in view (plus a few)
 * are in the DOM, so 10 000 jobs scroll like 50.
 */
export function QueueGrid({ jobs, actions }: { jobs: readonly LocalJob[]; actions: GridActions }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: jobs.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: OVERSCAN_ROWS });
  const [dragging, setDragging] = useState<string | null>(null);
  const passing = usePassingScroll(virtualizer.scrollOffset ?? 0, virtualizer.scrollRect?.height ?? 0, virtualizer.isScrolling);
  const minute = Math.floor(Date.now() / 60_000);
  const allSelected = jobs.length > 0 && jobs.every((job) => actions.selected.has(job.id));

  // The rows' handlers stay the same functions and call the board's latest actions, so a row is
  // drawn again only when what it shows changes (not on every page of the queue that arrives).
  const latest = useRef({ actions, dragging });
  useLayoutEffect(() => {
    latest.current = { actions, dragging };
  });
  const handlers = useMemo<RowHandlers>(
    () => ({
      onMove: (job, direction) => latest.current.actions.onMove(job, direction),
      onStatus: (job, to) => latest.current.actions.onStatus(job, to),
      onSelect: (id, selected) => latest.current.actions.onSelect(id, selected),
      onDragStart: (event, job) => {
        event.dataTransfer.setData("application/x-orderdeck-job", job.id);
        event.dataTransfer.effectAllowed = "move";
        setDragging(job.id);
      },
      onDragEnd: () => setDragging(null),
      onDrop: (event, target) => {
        event.preventDefault();
        const id = event.dataTransfer.getData("application/x-orderdeck-job") || latest.current.dragging;
        setDragging(null);
        if (id && id !== target.id) latest.current.actions.onDropBefore(id, target);
      },
    }),
    [],
  );

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
            return (
              <QueueRow
                key={job.id}
                job={job}
                index={item.index}
                start={item.start}
                last={item.index === jobs.length - 1}
                canReorder={actions.canReorder}
                selected={actions.selected.has(job.id)}
                dragging={dragging === job.id}
                minute={minute}
                passing={passing}
                handlers={handlers}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

import type { ReactNode } from "react";
import { DataTable, type Column, type DataTableProps } from "./DataTable.tsx";

/** Rows chosen for an action taken on all of them at once (the action bar sits above the table). */
export interface RowChoice<T> {
  chosen: readonly string[];
  onChoose: (key: string, on: boolean) => void;
  /** What the checkbox says to a screen reader: which row it chooses. */
  label: (row: T) => string;
}

/**
 * A list whose rows are acted on: each row's own actions in a last "Actions" column (admin), or
 * a first "Choose" column of checkboxes for an action on the chosen rows (operations).
 */
export function ActionTable<T>({ columns, rowKey, actions, choice, ...table }: DataTableProps<T> & { actions?: (row: T) => ReactNode; choice?: RowChoice<T> }) {
  const all: Column<T>[] = [
    ...(choice
      ? [
          {
            header: "Choose",
            cell: (row: T) => (
              <input type="checkbox" checked={choice.chosen.includes(rowKey(row))} onChange={(event) => choice.onChoose(rowKey(row), event.target.checked)} aria-label={choice.label(row)} />
            ),
          },
        ]
      : []),
    ...columns,
    ...(actions ? [{ header: "Actions", cell: actions }] : []),
  ];
  return <DataTable {...table} rowKey={rowKey} columns={all} />;
}

import type { ReactNode } from "react";

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  /** The cell that names its row: a screen reader reads it out with each of the row's other cells. */
  rowHeader?: boolean;
  className?: string | ((row: T) => string);
}

export interface DataTableProps<T> {
  label: string;
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T) => string;
  empty: ReactNode;
  className?: string;
}

/** A plain, labelled table for short lists (long lists use the board's virtualized grid). */
export function DataTable<T>({ label, rows, columns, rowKey, empty, className }: DataTableProps<T>) {
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <table className={className ? `data-table ${className}` : "data-table"} aria-label={label}>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column.header} scope="col">
              {column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)}>
            {columns.map((column) => {
              const className = typeof column.className === "function" ? column.className(row) : column.className;
              return column.rowHeader ? (
                <th key={column.header} scope="row" className={className}>
                  {column.cell(row)}
                </th>
              ) : (
                <td key={column.header} className={className}>
                  {column.cell(row)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

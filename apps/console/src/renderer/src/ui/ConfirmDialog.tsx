import type { ReactNode } from "react";
import { Button } from "./Button.tsx";
import { Dialog } from "./Dialog.tsx";
import { ErrorMessage } from "./ErrorMessage.tsx";

/** "Are you sure?" before a change that cannot be taken back: what it does, then do it or keep things as they are. */
export function ConfirmDialog({
  title,
  open,
  onClose,
  onConfirm,
  confirmLabel,
  busy,
  busyLabel,
  keepLabel = "Cancel",
  variant = "danger",
  error,
  what,
  children,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  onConfirm: () => void;
  confirmLabel: string;
  busy: boolean;
  busyLabel: string;
  keepLabel?: string;
  variant?: "primary" | "danger";
  /** The failure of the change, shown inside the dialog when it has no place of its own. */
  error?: unknown;
  what?: string;
  children: ReactNode;
}) {
  return (
    <Dialog title={title} open={open} onClose={onClose}>
      {children}
      <div className="button-row">
        <Button variant={variant} busy={busy} busyLabel={busyLabel} onClick={onConfirm}>
          {confirmLabel}
        </Button>
        <Button onClick={onClose}>{keepLabel}</Button>
      </div>
      {what !== undefined && <ErrorMessage error={error} what={what} />}
    </Dialog>
  );
}

import type { ButtonHTMLAttributes } from "react";

type Variant = "primary" | "secondary" | "danger";

/** A button that always has a type and shows its busy state in text, not only by looks. */
export function Button({
  variant = "secondary",
  busy = false,
  busyLabel,
  className,
  children,
  disabled,
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; busy?: boolean; busyLabel?: string }) {
  return (
    <button
      type="button"
      {...rest}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      className={`button button--${variant} ${className ?? ""}`}
    >
      {busy && busyLabel ? busyLabel : children}
    </button>
  );
}

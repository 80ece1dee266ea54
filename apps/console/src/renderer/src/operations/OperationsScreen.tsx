import type { ScreenProps } from "../navigation/screens.ts";

/** Placeholder until the operations screen is built. */
export function OperationsScreen(_props: ScreenProps) {
  return (
    <section className="screen">
      <h1>Operations</h1>
      <p className="muted">Not available yet.</p>
    </section>
  );
}

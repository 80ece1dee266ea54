import type { ScreenProps } from "../navigation/screens.ts";

/** Being built. */
export function HandoffScreen(_props: ScreenProps) {
  return (
    <section className="screen">
      <h1>Handoff</h1>
      <p className="muted">Not available yet.</p>
    </section>
  );
}

import type { ScreenProps } from "../navigation/screens.ts";

/** Being built. */
export function BoardScreen(_props: ScreenProps) {
  return (
    <section className="screen">
      <h1>Board</h1>
      <p className="muted">Not available yet.</p>
    </section>
  );
}

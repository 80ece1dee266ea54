import type { ScreenProps } from "../navigation/screens.ts";

/** Placeholder until the exceptions screen is built. */
export function ExceptionsScreen(_props: ScreenProps) {
  return (
    <section className="screen">
      <h1>Exceptions</h1>
      <p className="muted">Not available yet.</p>
    </section>
  );
}

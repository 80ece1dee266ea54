import type { ScreenProps } from "../navigation/screens.ts";

/** Being built. */
export function PickupScreen(_props: ScreenProps) {
  return (
    <section className="screen">
      <h1>Pickup</h1>
      <p className="muted">Not available yet.</p>
    </section>
  );
}

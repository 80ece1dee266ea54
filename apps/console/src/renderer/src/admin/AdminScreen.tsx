import type { ScreenProps } from "../navigation/screens.ts";

/** Placeholder until the admin screen is built. */
export function AdminScreen(_props: ScreenProps) {
  return (
    <section className="screen">
      <h1>Admin</h1>
      <p className="muted">Not available yet.</p>
    </section>
  );
}

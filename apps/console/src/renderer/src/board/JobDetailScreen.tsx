import type { ScreenProps } from "../navigation/screens.ts";

/** Being built. */
export function JobDetailScreen({ jobId }: ScreenProps & { jobId: string }) {
  return (
    <section className="screen">
      <h1>Job</h1>
      <p className="muted">Not available yet ({jobId}).</p>
    </section>
  );
}

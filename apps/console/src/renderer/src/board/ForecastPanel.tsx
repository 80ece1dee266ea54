import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../trpc.ts";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { When } from "../ui/time.tsx";

/** When the queue will be done with the machines there are (the server's model; online only). */
export function ForecastPanel({ online }: { online: boolean }) {
  const [machines, setMachines] = useState<number | undefined>(undefined);
  const query = useQuery(useTRPC().online.forecast.capacity.queryOptions({ limit: 200, ...(machines ? { machines } : {}) }, { enabled: online }));
  // Offline, the last forecast is not shown as if it were current.
  const forecast = { data: online ? query.data : undefined, error: online ? query.error : null };
  const late = forecast.data?.jobs.filter((job) => job.late) ?? [];
  return (
    <section className="panel forecast" aria-labelledby="forecast-heading">
      <h2 id="forecast-heading">Capacity forecast</h2>
      {!online && <p className="muted">The forecast needs the server (offline now).</p>}
      <ErrorMessage error={forecast.error} what="The forecast" />
      {forecast.data && (
        <>
          <p>
            {forecast.data.jobCount} jobs on {forecast.data.machines} {forecast.data.machines === 1 ? "machine" : "machines"}: done by{" "}
            <strong>
              <When iso={forecast.data.completesAt} />
            </strong>
            .
          </p>
          <p className={late.length > 0 ? "sla-text sla-text--overdue" : "sla-text sla-text--ok"}>
            <span aria-hidden="true">{late.length > 0 ? "! " : "✓ "}</span>
            {late.length > 0 ? `${late.length} forecast to finish late: ${late.slice(0, 5).map((job) => job.displayNumber).join(", ")}${late.length > 5 ? "…" : ""}` : "Nothing forecast to finish late."}
          </p>
          <label htmlFor="forecast-machines">Machines</label>{" "}
          <input
            id="forecast-machines"
            type="number"
            min={1}
            max={100}
            value={machines ?? forecast.data.machines}
            onChange={(event) => {
              const value = Number(event.target.value);
              setMachines(Number.isInteger(value) && value >= 1 && value <= 100 ? value : undefined);
            }}
          />
        </>
      )}
    </section>
  );
}

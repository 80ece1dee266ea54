// The bare HTTP round trip (GET /healthz on the same API process: HTTP, no database), the floor
// every procedure's throughput is held against. Measured once per run and shared by the
// benchmarks that compare with it, so they compare with the same figure.
import type { BenchEnvironment } from "../environment.ts";
import { httpLoad, type LoadFigures, type LoadShape } from "../load.ts";

const measured = new WeakMap<BenchEnvironment, Promise<LoadFigures>>();

export function bareHttp(env: BenchEnvironment, shape: LoadShape, log: (line: string) => void): Promise<LoadFigures> {
  let figures = measured.get(env);
  if (!figures) {
    log("bare HTTP round trip (GET /healthz)");
    figures = httpLoad({ url: env.api.url, request: () => ({ method: "GET", path: "/healthz", headers: {} }) }, shape);
    measured.set(env, figures);
  }
  return figures;
}

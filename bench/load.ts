// The two load generators every benchmark compares: autocannon over loopback against the API,
// and the same work through node-postgres alone (the bare floor), both closed-loop with the same
// concurrency and duration. Latencies are taken per response with sub-millisecond precision
// (autocannon's own histogram rounds to whole milliseconds, too coarse for a 2 ms floor).
import autocannon from "autocannon";

export interface LoadFigures {
  requests: number;
  seconds: number;
  /** Completed requests per second. */
  throughput: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Answers by HTTP status (the bare floor counts successes as 200). */
  statuses: Record<string, number>;
  /** Requests that got no answer (connection errors, timeouts). */
  errors: number;
}

export interface LoadShape {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** A smoke run (--quick): benchmarks that count work rather than time do less of it. */
  quick: boolean;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** The figures of one run from its latencies (ms), in any order. */
export function figuresOf(latencies: number[], seconds: number, statuses: Record<string, number>, errors: number): LoadFigures {
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    seconds,
    throughput: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    statuses,
    errors,
  };
}

export interface HttpRequestPlan {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpLoad {
  url: string;
  /** The n-th request of the run (credentials rotate, codes are used up). */
  request: (n: number) => HttpRequestPlan;
  /** Stop after this many requests even if time is left (a supply that runs out); asked at the start of each run. */
  amount?: () => number;
}

async function runAutocannon(load: HttpLoad, connections: number, seconds: number, record: boolean) {
  let n = 0;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const amount = load.amount?.();
  if (amount !== undefined && amount <= 0) return { latencies, statuses, errors: 0, elapsed: 0, sent: 0 };
  let settle: (outcome: { error: Error | null; result: autocannon.Result }) => void = () => undefined;
  const finished = new Promise<{ error: Error | null; result: autocannon.Result }>((resolve) => (settle = resolve));
  const instance = autocannon({
    url: load.url,
    connections,
    duration: seconds,
    ...(amount !== undefined ? { amount } : {}),
    timeout: 10,
    requests: [
      {
        // Both are replaced per request by setupRequest.
        method: "GET",
        path: "/",
        setupRequest: (req) => {
          const plan = load.request(n++);
          return { ...req, method: plan.method, path: plan.path, headers: plan.headers, body: plan.body ?? "" };
        },
      },
    ],
  }, (error, result) => settle({ error, result }));
  if (record) {
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statuses[String(statusCode)] = (statuses[String(statusCode)] ?? 0) + 1;
    });
  }
  const started = performance.now();
  // With an amount autocannon ignores the duration: keep the time bound anyway.
  const timer = amount !== undefined ? setTimeout(() => instance.stop(), seconds * 1000) : undefined;
  const { error, result } = await finished;
  clearTimeout(timer);
  if (error) throw error;
  const elapsed = (performance.now() - started) / 1000;
  return { latencies, statuses, errors: result.errors + result.timeouts, elapsed, sent: n };
}

/** Warm-up, then the measured run, against the API. */
export async function httpLoad(load: HttpLoad, shape: LoadShape): Promise<LoadFigures> {
  if (shape.warmupSeconds > 0) await runAutocannon(load, shape.connections, shape.warmupSeconds, false);
  const run = await runAutocannon(load, shape.connections, shape.seconds, true);
  return figuresOf(run.latencies, Math.max(run.elapsed, 1e-9), run.statuses, run.errors);
}

/** Warm-up, then the measured run, of `work` with `connections` concurrent loops (the bare floor). */
export async function bareLoad(work: (n: number) => Promise<void>, shape: LoadShape): Promise<LoadFigures> {
  let n = 0;
  const loop = async (seconds: number, latencies: number[] | null) => {
    const until = performance.now() + seconds * 1000;
    let errors = 0;
    await Promise.all(
      Array.from({ length: shape.connections }, async () => {
        while (performance.now() < until) {
          const started = performance.now();
          try {
            await work(n++);
            latencies?.push(performance.now() - started);
          } catch {
            errors++;
          }
        }
      }),
    );
    return errors;
  };
  if (shape.warmupSeconds > 0) await loop(shape.warmupSeconds, null);
  const latencies: number[] = [];
  const started = performance.now();
  const errors = await loop(shape.seconds, latencies);
  return figuresOf(latencies, (performance.now() - started) / 1000, { "200": latencies.length }, errors);
}

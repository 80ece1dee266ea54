// A console's sync.events stream read raw (server-sent events over fetch), held open on one
// chosen API process: the scenario decides which process holds it, as a load balancer would not
// let it.

export interface EventStream {
  /** Pokes received so far (data messages; pings and the connection notice are not counted). */
  readonly pokes: number;
  /** Resolves once more than `count` pokes have come; rejects after `timeoutMs`. */
  pokeAfter(count: number, timeoutMs: number): Promise<void>;
  close(): void;
}

export async function openEventStream(baseUrl: string, headers: Record<string, string>): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/trpc/sync.events`, { headers: { ...headers, accept: "text/event-stream" }, signal: abort.signal });
  if (!response.ok || !response.body) throw new Error(`sync.events answered ${response.status}: ${await response.text()}`);
  let pokes = 0;
  const waiting = new Set<() => void>();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const message = buffer.slice(0, end).split("\n");
        buffer = buffer.slice(end + 2);
        const named = message.some((line) => line.startsWith("event:"));
        if (!named && message.some((line) => line.startsWith("data:"))) {
          pokes++;
          for (const wake of waiting) wake();
        }
      }
    }
  })();
  return {
    get pokes() {
      return pokes;
    },
    pokeAfter(count, timeoutMs) {
      if (pokes > count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const wake = () => {
          if (pokes <= count) return;
          waiting.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiting.delete(wake);
          reject(new Error(`no poke within ${timeoutMs} ms (had ${pokes})`));
        }, timeoutMs);
        waiting.add(wake);
      });
    },
    close: () => abort.abort(),
  };
}

/**
 * What a live subscription streams: the newest value only. A slow reader (a console catching up,
 * a renderer busy painting) gets the latest value once instead of a backlog of stale ones.
 * Shared by the server's sync.events and console-core's sync.state, which must behave alike.
 */
export async function* latestValues<T>(
  first: T,
  subscribe: (onValue: (value: T) => void) => () => void,
  signal: AbortSignal | undefined,
): AsyncGenerator<T> {
  let pending: { value: T } | null = { value: first };
  let wake: (() => void) | null = null;
  const unsubscribe = subscribe((value) => {
    pending = { value };
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort);
  try {
    while (!signal?.aborted) {
      if (pending) {
        const { value }: { value: T } = pending;
        pending = null;
        yield value;
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    unsubscribe();
  }
}

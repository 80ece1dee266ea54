import { useCallback, useEffect, useRef, useState } from "react";

export interface QueryState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Asks again; the previous data stays shown until the new answer arrives. */
  refetch: () => void;
}

/**
 * Runs `load` now and whenever `key` changes. A slow answer overtaken by a newer request is
 * dropped, so a screen never shows an older answer over a newer one.
 */
export function useQuery<T>(load: () => Promise<T>, key: readonly unknown[]): QueryState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const seq = useRef(0);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const mine = ++seq.current;
    let cancelled = false;
    setState((previous) => ({ ...previous, loading: true }));
    loadRef.current().then(
      (data) => {
        if (!cancelled && mine === seq.current) setState({ data, error: null, loading: false });
      },
      (error: unknown) => {
        if (!cancelled && mine === seq.current) setState((previous) => ({ data: previous.data, error, loading: false }));
      },
    );
    return () => {
      cancelled = true;
    };
    // The caller's key is the dependency list (and the refetch tick).
  }, [...key, tick]);

  const refetch = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, refetch };
}

export interface MutationState<I, T> {
  run: (input: I) => Promise<T | undefined>;
  pending: boolean;
  error: unknown;
  /** The last successful answer. */
  data: T | undefined;
  reset: () => void;
}

/** A state-changing call: one at a time, its error kept for the screen to show. */
export function useMutation<I, T>(call: (input: I) => Promise<T>): MutationState<I, T> {
  const [state, setState] = useState<{ pending: boolean; error: unknown; data: T | undefined }>({
    pending: false,
    error: null,
    data: undefined,
  });
  const callRef = useRef(call);
  callRef.current = call;
  const busy = useRef(false);

  const run = useCallback(async (input: I): Promise<T | undefined> => {
    // A double click or a held Enter must not send the same change twice.
    if (busy.current) return undefined;
    busy.current = true;
    setState((previous) => ({ ...previous, pending: true, error: null }));
    try {
      const data = await callRef.current(input);
      setState({ pending: false, error: null, data });
      return data;
    } catch (error) {
      setState({ pending: false, error, data: undefined });
      return undefined;
    } finally {
      busy.current = false;
    }
  }, []);
  const reset = useCallback(() => setState({ pending: false, error: null, data: undefined }), []);
  return { ...state, run, reset };
}

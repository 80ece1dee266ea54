import { useMutation, type UseMutationOptions, type UseMutationResult } from "@tanstack/react-query";
import { useCallback, useRef } from "react";

export type Action<TData, TError, TVariables, TContext> = UseMutationResult<TData, TError, TVariables, TContext> & {
  /** Sends the change; resolves to its answer, or to undefined when it failed (the failure stays in `error`) or one was already on its way. */
  run: (variables: TVariables) => Promise<TData | undefined>;
};

/** A state-changing call: TanStack's mutation, one at a time, its failure kept for the screen to show. */
export function useAction<TData, TError = unknown, TVariables = void, TContext = unknown>(
  options: UseMutationOptions<TData, TError, TVariables, TContext>,
): Action<TData, TError, TVariables, TContext> {
  const mutation = useMutation(options);
  const busy = useRef(false);
  const { mutateAsync } = mutation;
  const run = useCallback(
    async (variables: TVariables): Promise<TData | undefined> => {
      // A double click or a held Enter must not send the same change twice: the button is disabled only after the next render.
      if (busy.current) return undefined;
      busy.current = true;
      try {
        return await mutateAsync(variables);
      } catch {
        return undefined;
      } finally {
        busy.current = false;
      }
    },
    [mutateAsync],
  );
  return { ...mutation, run };
}

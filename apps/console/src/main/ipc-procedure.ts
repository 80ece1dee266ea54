import {
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  TRPCError,
  transformTRPCResponse,
  type AnyTRPCRouter,
} from "@trpc/server";
import { z } from "zod";
import type { LocalTrpcResponse } from "../shared/transport.ts";

// Kept free of Electron imports so it runs (and is tested) in plain Node.

const LocalTrpcRequestSchema = z.object({
  // Subscriptions need a push channel over IPC; they arrive with the sync engine (issue 7).
  type: z.enum(["query", "mutation"]),
  path: z.string().min(1).max(200),
  input: z.unknown(),
});

export interface RunLocalRequestOptions {
  /** Called for failures the caller did not cause, so the main process can log them. */
  onError?: (error: TRPCError, path: string | undefined) => void;
}

/**
 * Runs one renderer request against the router and returns tRPC's response envelope. Never throws:
 * anything thrown by a procedure becomes an error envelope, because an exception escaping
 * `ipcMain.handle` reaches the renderer as an unstructured string.
 */
export async function runLocalRequest(
  router: AnyTRPCRouter,
  raw: unknown,
  options: RunLocalRequestOptions = {},
): Promise<LocalTrpcResponse> {
  const config = router._def._config;
  const ctx = {};
  const parsed = LocalTrpcRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const error = new TRPCError({ code: "BAD_REQUEST", message: "Malformed local request" });
    const shape = getTRPCErrorShape({ config, error, type: "unknown", path: undefined, input: undefined, ctx });
    return toPlainJson(transformTRPCResponse(config, { error: shape }));
  }
  const { type, path, input } = parsed.data;
  try {
    const data: unknown = await callTRPCProcedure({
      router,
      path,
      getRawInput: async () => input,
      ctx,
      type,
      signal: undefined,
      batchIndex: 0,
    });
    return toPlainJson(transformTRPCResponse(config, { result: { data } }));
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    if (error.code === "INTERNAL_SERVER_ERROR") options.onError?.(error, path);
    const shape = getTRPCErrorShape({ config, error, type, path, input, ctx });
    return toPlainJson(transformTRPCResponse(config, { error: shape }));
  }
}

/**
 * IPC's structured clone would carry Dates, Maps and undefined that HTTP JSON cannot; a JSON round
 * trip makes the renderer see exactly what it would see in browser mode.
 */
function toPlainJson(value: unknown): LocalTrpcResponse {
  return JSON.parse(JSON.stringify(value)) as LocalTrpcResponse;
}

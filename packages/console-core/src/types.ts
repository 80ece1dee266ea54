// The renderer's view of console-core: types only, from Node-free modules (the web typecheck must
// never see better-sqlite3 or node:*). apps/console/src/shared/local-api.ts re-exports from here.
export type { ConsoleStatus, LocalRouter, ServerStatus } from "./local-router.ts";
export type {
  ActionAnswer,
  CachedHandoffSummary,
  ConnectionState,
  HandoffSummaryAnswer,
  LocalJob,
  Notice,
  PickupAnswer,
  PickupConfirmAnswer,
  QueueListInput,
  QueuePage,
  SetupState,
  SyncState,
  WaitingChange,
  WaitingChanges,
  WaitingGroup,
} from "./api.ts";

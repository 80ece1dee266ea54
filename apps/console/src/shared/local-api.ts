/**
 * The renderer's only view of console-core: types, which `export type` guarantees are erased, so
 * no console-core code (and nothing Node-side it will grow) can reach the renderer bundle.
 */
export type {
  ActionAnswer,
  CachedHandoffSummary,
  ConsoleStatus,
  HandoffSummaryAnswer,
  LocalJob,
  LocalRouter,
  Notice,
  PickupAnswer,
  PickupConfirmAnswer,
  QueuePage,
  ServerStatus,
  SetupState,
  SyncState,
  WaitingChange,
  WaitingChanges,
  WaitingGroup,
} from "@orderdeck/console-core/types";

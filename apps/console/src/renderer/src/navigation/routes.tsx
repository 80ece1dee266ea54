import { hasRole } from "./roles.ts";
import type { ScreenRoute } from "./screens.ts";
import { AdminScreen } from "../admin/AdminScreen.tsx";
import { BoardScreen } from "../board/BoardScreen.tsx";
import { CsvImportScreen } from "../csv/CsvImportScreen.tsx";
import { ExceptionsScreen } from "../exceptions/ExceptionsScreen.tsx";
import { HandoffScreen } from "../handoff/HandoffScreen.tsx";
import { OperationsScreen } from "../operations/OperationsScreen.tsx";
import { PickupScreen } from "../pickup/PickupScreen.tsx";
import { ServerScreen } from "../server/ServerScreen.tsx";

/** The navigation, in the order it is shown. Who sees an entry is decided by `minRole`. */
export const SCREENS: readonly ScreenRoute[] = [
  { path: "/board", label: "Queue", minRole: "STAFF", component: BoardScreen },
  { path: "/pickup", label: "Pickup", minRole: "STAFF", component: PickupScreen },
  { path: "/handoff", label: "Handoff", minRole: "STAFF", component: HandoffScreen },
  { path: "/exceptions", label: "Exceptions", minRole: "STAFF", component: ExceptionsScreen },
  { path: "/import", label: "Import", minRole: "LEAD", component: CsvImportScreen },
  { path: "/operations", label: "Operations", minRole: "LEAD", component: OperationsScreen },
  { path: "/admin", label: "Admin", minRole: "ADMIN", component: AdminScreen },
  { path: "/server", label: "Server", minRole: "STAFF", component: ServerScreen },
];

export function screensFor(role: string | undefined): ScreenRoute[] {
  return SCREENS.filter((screen) => hasRole(role, screen.minRole));
}

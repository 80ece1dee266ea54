import type { Role, ScreenRoute } from "./screens.ts";
import { AdminScreen } from "../admin/AdminScreen.tsx";
import { BoardScreen } from "../board/BoardScreen.tsx";
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
  { path: "/operations", label: "Operations", minRole: "LEAD", component: OperationsScreen },
  { path: "/admin", label: "Admin", minRole: "ADMIN", component: AdminScreen },
  { path: "/server", label: "Server", minRole: "STAFF", component: ServerScreen },
];

const RANK: Record<Role, number> = { STAFF: 0, LEAD: 1, ADMIN: 2 };

export function isRole(value: string): value is Role {
  return value in RANK;
}

/** The user's role meets `minRole` (an unknown role meets nothing). */
export function hasRole(role: string | undefined, minRole: Role): boolean {
  return role !== undefined && isRole(role) && RANK[role] >= RANK[minRole];
}

export function screensFor(role: string | undefined): ScreenRoute[] {
  return SCREENS.filter((screen) => hasRole(role, screen.minRole));
}

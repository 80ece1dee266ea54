import type { Role } from "./screens.ts";

// Kept apart from routes.tsx, which imports every screen: a screen that asks about a role would
// otherwise import its own importer.
const RANK: Record<Role, number> = { STAFF: 0, LEAD: 1, ADMIN: 2 };

export function isRole(value: string): value is Role {
  return value in RANK;
}

/** The user's role meets `minRole` (an unknown role meets nothing). */
export function hasRole(role: string | undefined, minRole: Role): boolean {
  return role !== undefined && isRole(role) && RANK[role] >= RANK[minRole];
}

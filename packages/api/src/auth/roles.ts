import type { UserRole } from "@orderdeck/contracts";

// STAFF runs the floor; LEAD also reorders, bulk-edits and acknowledges handoffs; ADMIN manages.
const RANK: Record<UserRole, number> = { STAFF: 1, LEAD: 2, ADMIN: 3 };

export function hasRole(actual: UserRole, required: UserRole): boolean {
  return RANK[actual] >= RANK[required];
}

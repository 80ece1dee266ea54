import { UserRole } from "./enums.ts";

// Who outranks whom, for the server's one authorization check, the console's offline refusals and
// the navigation that hides what a role cannot use. STAFF runs the floor; LEAD also reorders,
// bulk-edits and acknowledges handoffs; ADMIN manages.
const RANK: Record<UserRole, number> = { STAFF: 1, LEAD: 2, ADMIN: 3 };

export function isUserRole(value: unknown): value is UserRole {
  return UserRole.safeParse(value).success;
}

/** `actual` meets `required`; a missing or unknown role meets nothing. */
export function hasRole(actual: string | null | undefined, required: UserRole): boolean {
  return isUserRole(actual) && RANK[actual] >= RANK[required];
}

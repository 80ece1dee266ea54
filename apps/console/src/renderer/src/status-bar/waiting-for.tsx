import type { WaitingGroup } from "../../../shared/local-api.ts";
import "./waiting-for.css";

/**
 * "3 changes waiting for Sam Keller to sign in": changes made here by someone who is not signed in.
 * They are sent only under that person's session, so they wait for them; changes an older console
 * kept without recording who made them wait for a lead to take them over (the exceptions screen).
 */
export function waitingForText(group: WaitingGroup): string {
  const changes = `${group.count} ${group.count === 1 ? "change" : "changes"}`;
  return group.userId === null || group.name === null
    ? `${changes} waiting for a lead to take them over (who made them was not recorded)`
    : `${changes} waiting for ${group.name} to sign in`;
}

/** The groups as a list, for the sign-in screen and the exceptions screen (the status bar lays them out itself). */
export function WaitingForList({ groups, label }: { groups: readonly WaitingGroup[]; label: string }) {
  if (groups.length === 0) return null;
  return (
    <ul className="waiting-for-list" aria-label={label}>
      {groups.map((group) => (
        <li key={group.userId ?? "unrecorded"} data-testid="waiting-for">
          <span aria-hidden="true">⏳ </span>
          {waitingForText(group)}
        </li>
      ))}
    </ul>
  );
}

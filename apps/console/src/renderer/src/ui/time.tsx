/** "3 min ago", for a timestamp the person also sees exactly (title / <time>). */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const seconds = Math.round((now.getTime() - new Date(iso).getTime()) / 1000);
  if (seconds < 0) return "just now";
  if (seconds < 45) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

export function exactTime(iso: string): string {
  return new Date(iso).toLocaleString();
}

/** A <time> showing the exact moment, with the relative one alongside. */
export function When({ iso, relative = false }: { iso: string; relative?: boolean }) {
  return (
    <time dateTime={iso} title={exactTime(iso)}>
      {relative ? `${relativeTime(iso)} (${exactTime(iso)})` : exactTime(iso)}
    </time>
  );
}

import { useEffect, useState } from "react";

/** Where the console is: `#/jobs/<id>` is `{ path: "/jobs", param: "<id>" }`. */
export interface HashLocation {
  path: string;
  param: string | null;
}

export const DEFAULT_PATH = "/board";

export function parseHash(hash: string): HashLocation {
  const raw = hash.replace(/^#/, "");
  const parts = raw.split("/").filter((part) => part.length > 0);
  if (parts.length === 0) return { path: DEFAULT_PATH, param: null };
  const param = parts.length > 1 ? decodeURIComponent(parts.slice(1).join("/")) : null;
  return { path: `/${parts[0]}`, param };
}

export function hrefOf(path: string, param?: string): string {
  return param === undefined ? `#${path}` : `#${path}/${encodeURIComponent(param)}`;
}

export function navigate(path: string, param?: string): void {
  const next = hrefOf(path, param);
  if (window.location.hash !== next) window.location.hash = next;
}

/** The current hash location, following back / forward and links. */
export function useHashLocation(): HashLocation {
  const [location, setLocation] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setLocation(parseHash(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return location;
}

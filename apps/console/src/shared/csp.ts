/**
 * The console's Content-Security-Policy, one definition for every place that states it: the
 * `<meta>` in index.html (checked against this at build time), the Electron session headers, the
 * Electron `app://` protocol and the browser-mode host. Isomorphic: no DOM, no Node.
 *
 * Nothing remote is ever allowed: the renderer reaches data only through localRouter (IPC, or
 * same-origin HTTP in browser mode), so `'self'` is the whole world.
 */
const STRICT_DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ["default-src", "'none'"],
  ["script-src", "'self'"],
  ["style-src", "'self'"],
  ["img-src", "'self' data:"],
  ["font-src", "'self'"],
  ["connect-src", "'self'"],
  ["manifest-src", "'self'"],
  ["base-uri", "'none'"],
  ["form-action", "'none'"],
  ["object-src", "'none'"],
];

const join = (directives: ReadonlyArray<readonly [string, string]>): string =>
  directives.map(([name, value]) => `${name} ${value}`).join("; ");

/** For the `<meta>` tag: `frame-ancestors` is ignored (and warned about) in meta, so it is left out. */
export const CSP_META = join(STRICT_DIRECTIVES);

/** For HTTP / protocol response headers, where `frame-ancestors` does work. */
export const CSP_HEADER = join([...STRICT_DIRECTIVES, ["frame-ancestors", "'none'"]]);

/**
 * Development only (Vite dev server with React Fast Refresh): its preamble is an inline script and
 * CSS arrives as inline <style>. The page, its modules and the HMR websocket share the dev server's
 * origin, which `'self'` already covers (CSP 3 matches ws: to 'self'). Never used for a built renderer.
 */
export const CSP_DEV = join(
  STRICT_DIRECTIVES.map(([name, value]): readonly [string, string] =>
    name === "script-src" || name === "style-src" ? [name, `${value} 'unsafe-inline'`] : [name, value],
  ),
);

/** Headers every response of ours carries, whichever shell serves the renderer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CSP_HEADER,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Frame-Options": "DENY",
};

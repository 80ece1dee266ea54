// The browser the e2e suite and the renderer benchmark drive: Debian's Chromium, since Playwright's
// own browser download cannot work on the build machines.
export const CHROMIUM = process.env["ORDERDECK_CHROMIUM"] ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  // The network is closed there; without these Chromium keeps dialling out (updates, sync, QUIC).
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Headless, Chromium still loads its omnibox popups (WebUI pages of its own, in renderers of
  // their own) as it starts, and compiles their scripts beside the page under test on the same
  // cores. The consoles' Electron shell has no omnibox.
  "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup",
];

export {
  startBrowserConsole,
  type BrowserConsole,
  type BrowserConsoleLogger,
  type StartBrowserConsoleOptions,
} from "./browser-mode/host.ts";
export {
  CONSOLE_APP_DIR,
  ensureElectronBuilt,
  findElectron,
  type BuildLogger,
  type ElectronAvailability,
} from "./electron-launch.ts";

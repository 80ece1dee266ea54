export {
  startBrowserConsole,
  type BrowserConsole,
  type BrowserConsoleLogger,
  type StartBrowserConsoleOptions,
} from "./browser-mode/host.ts";

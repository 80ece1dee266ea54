// async-exit-hook ships no types; this is the part embedded.ts uses.
declare module "async-exit-hook" {
  interface ExitHook {
    (hook: (done: () => void) => void): void;
    /** Removes the library's listener for `event` (its hooks no longer run on it). */
    unhookEvent(event: string): void;
    hookedEvents(): string[];
  }
  const exitHook: ExitHook;
  export default exitHook;
}

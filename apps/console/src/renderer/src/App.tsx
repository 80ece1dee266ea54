import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect } from "react";
import type { SetupState } from "../../shared/local-api.ts";
import type { Shell } from "./local-client.ts";
import { DEFAULT_PATH, hrefOf, useHashLocation } from "./navigation/hash-router.ts";
import { JobDetailScreen } from "./board/JobDetailScreen.tsx";
import { JobFormScreen } from "./job-form/JobFormScreen.tsx";
import { screensFor } from "./navigation/routes.tsx";
import type { ScreenProps } from "./navigation/screens.ts";
import { ScannerListener, ScanProvider } from "./pickup/scanner.tsx";
import { SetupFlow } from "./setup/SetupFlow.tsx";
import { StatusBar } from "./status-bar/StatusBar.tsx";
import { SyncStateProvider, useSyncState } from "./status-bar/sync-state.tsx";
import { useSyncRefresh } from "./sync-refresh.ts";
import { useTRPC } from "./trpc.ts";
import { useAction } from "./ui/action.ts";
import { Button } from "./ui/Button.tsx";
import { ErrorMessage } from "./ui/ErrorMessage.tsx";
import { NoticesProvider } from "./ui/Notices.tsx";
import { SiteTimeProvider } from "./ui/time.tsx";

/** Setup until the station is enrolled and someone is signed in; then the signed-in layout. */
export function App({ shell }: { shell: Shell }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const state = useQuery(trpc.setup.state.queryOptions());
  // Read with the setup state (one request), so before any screen reads: the sync the screens' first
  // answers are at least as new as. A sync that ends after it reloads them; the live stream's first
  // report of that same sync no longer does (it reloaded the whole board on every start). Read
  // before a sign-in it says nothing of the session's first pull, so it is not used then.
  const syncAtStart = useQuery(trpc.sync.state.queryOptions());
  const setup = state.data;
  // Each setup step answers with the new state: it is the answer the next screen is drawn from.
  const setSetup = useCallback((next: SetupState) => queryClient.setQueryData(trpc.setup.state.queryKey(), next), [queryClient, trpc]);
  const { refetch } = state;
  const reload = useCallback(() => void refetch(), [refetch]);

  if (!setup || syncAtStart.isPending) {
    return (
      <main className="setup">
        <h1>OrderDeck console</h1>
        {state.error ? (
          <>
            <ErrorMessage error={state.error} what="Starting the console" />
            <Button onClick={reload}>Try again</Button>
          </>
        ) : (
          <p role="status">Starting…</p>
        )}
      </main>
    );
  }
  if (!setup.station || !setup.user) return <SetupFlow setup={setup} onChange={setSetup} />;
  return (
    <SyncStateProvider initial={syncAtStart.data?.signedIn ? syncAtStart.data : null}>
      <SiteTimeProvider timeZone={setup.site?.timezone}>
        <SignedIn shell={shell} setup={setup} onSetupChange={setSetup} onSessionLost={reload} />
      </SiteTimeProvider>
    </SyncStateProvider>
  );
}

function SignedIn({
  shell,
  setup,
  onSetupChange,
  onSessionLost,
}: {
  shell: Shell;
  setup: SetupState;
  onSetupChange: (next: SetupState) => void;
  onSessionLost: () => void;
}) {
  const sync = useSyncState();
  useSyncRefresh();
  const location = useHashLocation();
  const role = setup.user?.role;
  const screens = screensFor(role);
  const trpc = useTRPC();
  const signOut = useAction(trpc.setup.signOut.mutationOptions({ onSuccess: onSetupChange }));

  // The server ended the session (expired, user disabled): back to sign-in.
  const signedIn = sync?.signedIn;
  useEffect(() => {
    if (signedIn === false) onSessionLost();
  }, [signedIn, onSessionLost]);

  const props: ScreenProps = { setup, online: sync ? sync.connection !== "offline" : true };
  const current = screens.find((screen) => screen.path === location.path);
  let content;
  if (location.path === "/jobs" && location.param) {
    content = <JobDetailScreen {...props} jobId={location.param} />;
  } else if (location.path === "/new-job" || (location.path === "/edit-job" && location.param)) {
    // Keyed by the job, so moving from one form to another starts afresh.
    content = <JobFormScreen key={location.param ?? "new"} {...props} jobId={location.param} />;
  } else if (current) {
    const Screen = current.component;
    content = <Screen {...props} />;
  } else {
    const exists = !screensFor("ADMIN").some((screen) => screen.path === location.path);
    content = (
      <section className="screen">
        <h1>{exists ? "Page not found" : "Not available"}</h1>
        <p>{exists ? "There is no such screen." : "Your role cannot open this screen."}</p>
        <a href={hrefOf(DEFAULT_PATH)}>Back to the queue</a>
      </section>
    );
  }

  return (
    <NoticesProvider>
      <ScanProvider>
      <ScannerListener />
      <div className="layout">
        <header className="app-header">
          <p className="app-title">OrderDeck</p>
          <nav aria-label="Main">
            <ul className="nav-list">
              {screens.map((screen) => (
                <li key={screen.path}>
                  <a href={hrefOf(screen.path)} aria-current={screen.path === location.path ? "page" : undefined} className="nav-link">
                    {screen.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <p className="shell-label">{shell === "electron" ? "Desktop app" : "Browser mode"}</p>
          <Button onClick={() => void signOut.run()} busy={signOut.isPending} busyLabel="Signing out…">
            Sign out
          </Button>
        </header>
        {signOut.error ? <ErrorMessage error={signOut.error} what="Sign-out" /> : null}
        <main className="app-main" id="main">
          {content}
        </main>
        <StatusBar setup={setup} />
      </div>
      </ScanProvider>
    </NoticesProvider>
  );
}

import { useCallback, useEffect, useState } from "react";
import type { SetupState } from "../../shared/local-api.ts";
import type { LocalClient, Shell } from "./local-client.ts";
import { DEFAULT_PATH, hrefOf, useHashLocation } from "./navigation/hash-router.ts";
import { JobDetailScreen } from "./board/JobDetailScreen.tsx";
import { JobFormScreen } from "./job-form/JobFormScreen.tsx";
import { screensFor } from "./navigation/routes.tsx";
import type { ScreenProps } from "./navigation/screens.ts";
import { ScannerListener, ScanProvider } from "./pickup/scanner.tsx";
import { SetupFlow } from "./setup/SetupFlow.tsx";
import { StatusBar } from "./status-bar/StatusBar.tsx";
import { SyncStateProvider, useSyncState } from "./status-bar/sync-state.tsx";
import { Button } from "./ui/Button.tsx";
import { ErrorMessage } from "./ui/ErrorMessage.tsx";
import { NoticesProvider } from "./ui/Notices.tsx";
import { useMutation } from "./ui/query.ts";

/** Setup until the station is enrolled and someone is signed in; then the signed-in layout. */
export function App({ client, shell }: { client: LocalClient; shell: Shell }) {
  const [setup, setSetup] = useState<SetupState | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = useCallback(() => {
    client.setup.state.query().then(
      (next) => {
        setSetup(next);
        setError(null);
      },
      (cause: unknown) => setError(cause),
    );
  }, [client]);
  useEffect(reload, [reload]);

  if (!setup) {
    return (
      <main className="setup">
        <h1>OrderDeck console</h1>
        {error ? (
          <>
            <ErrorMessage error={error} what="Starting the console" />
            <Button onClick={reload}>Try again</Button>
          </>
        ) : (
          <p role="status">Starting…</p>
        )}
      </main>
    );
  }
  if (!setup.station || !setup.user) return <SetupFlow client={client} setup={setup} onChange={setSetup} />;
  return (
    <SyncStateProvider client={client}>
      <SignedIn client={client} shell={shell} setup={setup} onSetupChange={setSetup} onSessionLost={reload} />
    </SyncStateProvider>
  );
}

function SignedIn({
  client,
  shell,
  setup,
  onSetupChange,
  onSessionLost,
}: {
  client: LocalClient;
  shell: Shell;
  setup: SetupState;
  onSetupChange: (next: SetupState) => void;
  onSessionLost: () => void;
}) {
  const sync = useSyncState();
  const location = useHashLocation();
  const role = setup.user?.role;
  const screens = screensFor(role);
  const signOut = useMutation(() => client.setup.signOut.mutate());

  // The server ended the session (expired, user disabled): back to sign-in.
  const signedIn = sync?.signedIn;
  useEffect(() => {
    if (signedIn === false) onSessionLost();
  }, [signedIn, onSessionLost]);

  const props: ScreenProps = { client, setup, online: sync ? sync.connection !== "offline" : true };
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
    <NoticesProvider client={client} refreshKey={sync?.lastSyncAt ?? null}>
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
          <Button
            onClick={() =>
              void signOut.run(undefined).then((next) => {
                if (next) onSetupChange(next);
              })
            }
            busy={signOut.pending}
            busyLabel="Signing out…"
          >
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

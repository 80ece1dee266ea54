import { useState, type FormEvent } from "react";
import type { SetupState } from "../../../shared/local-api.ts";
import type { LocalClient } from "../local-client.ts";
import { ServerStatusPanels } from "../server/ServerScreen.tsx";
import { WaitingForList } from "../status-bar/waiting-for.tsx";
import { Button } from "../ui/Button.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { useMutation, useQuery } from "../ui/query.ts";
import "./setup.css";

type Step = "server" | "enroll" | "sign-in";

/**
 * First run, in the order the station needs it: which server, this station's enrollment code
 * (created by an admin), then a person signs in. An enrolled station that was signed out starts
 * at sign-in.
 */
export function SetupFlow({ client, setup, onChange }: { client: LocalClient; setup: SetupState; onChange: (next: SetupState) => void }) {
  const [step, setStep] = useState<Step>(setup.station ? "sign-in" : "server");
  const current: Step = setup.station ? "sign-in" : step;
  const steps: { id: Step; label: string }[] = [
    { id: "server", label: "Server" },
    { id: "enroll", label: "Enroll station" },
    { id: "sign-in", label: "Sign in" },
  ];
  return (
    <main className="setup" aria-labelledby="setup-heading">
      <h1 id="setup-heading">OrderDeck console</h1>
      <ol className="setup-steps" aria-label="Setup steps">
        {steps.map((item, index) => (
          <li key={item.id} aria-current={item.id === current ? "step" : undefined} className={item.id === current ? "setup-step--current" : ""}>
            {index + 1}. {item.label}
          </li>
        ))}
      </ol>
      {current === "server" && <ServerStep client={client} setup={setup} onDone={(next) => { onChange(next); setStep("enroll"); }} />}
      {current === "enroll" && <EnrollStep client={client} setup={setup} onBack={() => setStep("server")} onDone={onChange} />}
      {current === "sign-in" && <SignInStep client={client} setup={setup} onDone={onChange} />}
      <details className="setup-server-details" open>
        <summary>Server status</summary>
        <ServerStatusPanels client={client} />
      </details>
    </main>
  );
}

function ServerStep({ client, setup, onDone }: { client: LocalClient; setup: SetupState; onDone: (next: SetupState) => void }) {
  const [url, setUrl] = useState(setup.serverUrl);
  const save = useMutation((value: string) => client.setup.setServerUrl.mutate({ url: value }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next = await save.run(url.trim());
    if (next) onDone(next);
  };
  return (
    <form className="panel setup-form" onSubmit={(event) => void submit(event)} aria-labelledby="server-step-heading">
      <h2 id="server-step-heading">Which OrderDeck server?</h2>
      <label htmlFor="server-url">Server address</label>
      <input id="server-url" type="url" required autoFocus value={url} onChange={(event) => setUrl(event.target.value)} placeholder="https://orderdeck.example.com" />
      <ErrorMessage error={save.error} what="Setting the server address" />
      <Button type="submit" variant="primary" busy={save.pending} busyLabel="Saving…">
        Continue
      </Button>
    </form>
  );
}

function EnrollStep({ client, setup, onBack, onDone }: { client: LocalClient; setup: SetupState; onBack: () => void; onDone: (next: SetupState) => void }) {
  const [code, setCode] = useState("");
  const enroll = useMutation((value: string) => client.setup.enroll.mutate({ code: value }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next = await enroll.run(code.trim());
    if (next) onDone(next);
  };
  return (
    <form className="panel setup-form" onSubmit={(event) => void submit(event)} aria-labelledby="enroll-step-heading">
      <h2 id="enroll-step-heading">Enroll this station</h2>
      <p>
        Server: <code>{setup.serverUrl}</code>
      </p>
      <p className="muted">An admin creates a one-time enrollment code for this station in the admin screen.</p>
      <label htmlFor="enrollment-code">Enrollment code</label>
      <input id="enrollment-code" required autoFocus autoComplete="off" value={code} onChange={(event) => setCode(event.target.value)} />
      <ErrorMessage error={enroll.error} what="Enrollment" />
      <div className="button-row">
        <Button onClick={onBack}>Back</Button>
        <Button type="submit" variant="primary" busy={enroll.pending} busyLabel="Enrolling…">
          Enroll
        </Button>
      </div>
    </form>
  );
}

function SignInStep({ client, setup, onDone }: { client: LocalClient; setup: SetupState; onDone: (next: SetupState) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const signIn = useMutation((input: { email: string; password: string }) => client.setup.signIn.mutate(input));
  // Changes made here by people signed out since: each goes out only when its author signs in.
  const sync = useQuery(() => client.sync.state.query(), [client]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next = await signIn.run({ email: email.trim(), password });
    if (next) onDone(next);
  };
  return (
    <form className="panel setup-form" onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-heading">
      <h2 id="sign-in-heading">Sign in</h2>
      <p>
        Station: <strong>{setup.station?.name}</strong>
        {setup.site && <> at {setup.site.name}</>}
      </p>
      <WaitingForList groups={sync.data?.waitingFor ?? []} label="Changes waiting on this console" />
      <label htmlFor="sign-in-email">E-mail</label>
      <input id="sign-in-email" type="email" required autoFocus autoComplete="username" value={email} onChange={(event) => setEmail(event.target.value)} />
      <label htmlFor="sign-in-password">Password</label>
      <input id="sign-in-password" type="password" required autoComplete="current-password" value={password} onChange={(event) => setPassword(event.target.value)} />
      <ErrorMessage error={signIn.error} what="Sign-in" />
      <Button type="submit" variant="primary" busy={signIn.pending} busyLabel="Signing in…">
        Sign in
      </Button>
    </form>
  );
}

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { SetupState } from "../../../shared/local-api.ts";
import { ServerStatusPanels } from "../server/ServerScreen.tsx";
import { WaitingForList } from "../status-bar/waiting-for.tsx";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { Button } from "../ui/Button.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import "./setup.css";

type Step = "server" | "enroll" | "sign-in";

/**
 * First run, in the order the station needs it: which server, this station's enrollment code
 * (created by an admin), then a person signs in. An enrolled station that was signed out starts
 * at sign-in.
 */
export function SetupFlow({ setup, onChange }: { setup: SetupState; onChange: (next: SetupState) => void }) {
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
      {current === "server" && <ServerStep setup={setup} onDone={(next) => { onChange(next); setStep("enroll"); }} />}
      {current === "enroll" && <EnrollStep setup={setup} onBack={() => setStep("server")} onDone={onChange} />}
      {current === "sign-in" && <SignInStep setup={setup} onDone={onChange} />}
      <details className="setup-server-details" open>
        <summary>Server status</summary>
        <ServerStatusPanels />
      </details>
    </main>
  );
}

function ServerStep({ setup, onDone }: { setup: SetupState; onDone: (next: SetupState) => void }) {
  const [url, setUrl] = useState(setup.serverUrl);
  const save = useAction(useTRPC().setup.setServerUrl.mutationOptions({ onSuccess: onDone }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run({ url: url.trim() });
  };
  return (
    <form className="panel setup-form" onSubmit={submit} aria-labelledby="server-step-heading">
      <h2 id="server-step-heading">Which OrderDeck server?</h2>
      <label htmlFor="server-url">Server address</label>
      <input id="server-url" type="url" required autoFocus value={url} onChange={(event) => setUrl(event.target.value)} placeholder="https://orderdeck.example.com" />
      <ErrorMessage error={save.error} what="Setting the server address" />
      <Button type="submit" variant="primary" busy={save.isPending} busyLabel="Saving…">
        Continue
      </Button>
    </form>
  );
}

function EnrollStep({ setup, onBack, onDone }: { setup: SetupState; onBack: () => void; onDone: (next: SetupState) => void }) {
  const [code, setCode] = useState("");
  const enroll = useAction(useTRPC().setup.enroll.mutationOptions({ onSuccess: onDone }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void enroll.run({ code: code.trim() });
  };
  return (
    <form className="panel setup-form" onSubmit={submit} aria-labelledby="enroll-step-heading">
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
        <Button type="submit" variant="primary" busy={enroll.isPending} busyLabel="Enrolling…">
          Enroll
        </Button>
      </div>
    </form>
  );
}

function SignInStep({ setup, onDone }: { setup: SetupState; onDone: (next: SetupState) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const trpc = useTRPC();
  const signIn = useAction(trpc.setup.signIn.mutationOptions({ onSuccess: onDone }));
  // Changes made here by people signed out since: each goes out only when its author signs in.
  const sync = useQuery(trpc.sync.state.queryOptions());
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void signIn.run({ email: email.trim(), password });
  };
  return (
    <form className="panel setup-form" onSubmit={submit} aria-labelledby="sign-in-heading">
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
      <Button type="submit" variant="primary" busy={signIn.isPending} busyLabel="Signing in…">
        Sign in
      </Button>
    </form>
  );
}

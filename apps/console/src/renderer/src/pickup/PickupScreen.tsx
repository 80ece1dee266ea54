import { formatPickupCode } from "@orderdeck/contracts";
import { skipToken, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type KeyboardEvent, type ReactNode } from "react";
import type { PickupAnswer, PickupConfirmAnswer } from "../../../shared/local-api.ts";
import { STATUS_LABEL } from "../board/job-words.ts";
import { hasRole } from "../navigation/roles.ts";
import type { ScreenProps } from "../navigation/screens.ts";
import { Button } from "../ui/Button.tsx";
import { problemOf } from "../ui/errors.ts";
import { When } from "../ui/time.tsx";
import { useTRPC, useTRPCClient } from "../trpc.ts";
import { useLatestScan } from "./scanner.tsx";
import { TakePayment } from "./TakePayment.tsx";
import "./pickup.css";

type Outcome =
  | { kind: "idle" }
  | { kind: "looking"; code: string }
  /** `note`: what just happened to the job at this counter (a payment taken), shown above the next step. */
  | { kind: "answer"; code: string; answer: PickupAnswer; note?: string }
  | { kind: "confirming"; code: string; answer: PickupAnswer }
  | { kind: "confirmed"; code: string; answer: PickupAnswer; result: PickupConfirmAnswer }
  | { kind: "failed"; code: string; reason: string | null; message: string; offline: boolean };

function failed(code: string, error: unknown): Outcome {
  const problem = problemOf(error);
  return { kind: "failed", code, reason: problem.reason, message: problem.message, offline: problem.offline };
}

/**
 * The counter: a scan (from anywhere in the app) or a typed code, then one clear screen per
 * outcome in large type. Keyboard alone: focus always lands on the action to take next.
 */
export function PickupScreen({ setup }: ScreenProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState<{ code: string; note?: string } | null>(null);
  const [typed, setTyped] = useState("");
  const { scan, takeScan } = useLatestScan();
  // An answer on screen follows the cache: a sync that brings who picked the job up, or the
  // server's verdict on a pending handover, asks again and updates it in place (useSyncRefresh).
  const lookup = useQuery(trpc.pickup.lookup.queryOptions(current ? { code: current.code } : skipToken, { placeholderData: undefined }));
  const client = useTRPCClient();
  // The answer confirmed against travels with the call: the screen after it describes that job, whatever a sync brings meanwhile.
  const confirm = useMutation({ mutationFn: ({ code }: { code: string; answer: PickupAnswer }) => client.pickup.confirm.mutate({ code }) });

  const lookUp = (code: string, note?: string) => {
    confirm.reset();
    setCurrent({ code, ...(note ? { note } : {}) });
    // The same code again is looked up again, from "Looking up…", not answered from the screen.
    void queryClient.resetQueries(trpc.pickup.lookup.queryFilter({ code }));
  };
  const reset = () => {
    confirm.reset();
    setTyped("");
    setCurrent(null);
  };

  // A scan (the listener already brought us here) is looked up at once, even the same code again.
  useEffect(() => {
    const fresh = takeScan();
    if (fresh) lookUp(fresh.code);
    // Only a new scan triggers a lookup (its seq), not a re-render.
  }, [scan?.seq]);

  let outcome: Outcome = { kind: "idle" };
  if (current) {
    const { code, note } = current;
    if (confirm.isPending && confirm.variables) outcome = { kind: "confirming", code, answer: confirm.variables.answer };
    else if (confirm.isSuccess) outcome = { kind: "confirmed", code, answer: confirm.variables.answer, result: confirm.data };
    else if (confirm.isError) outcome = failed(code, confirm.error);
    // A failed refresh leaves the answer on screen; a new scan shows any problem.
    else if (lookup.data) outcome = { kind: "answer", code, answer: lookup.data, ...(note ? { note } : {}) };
    else if (lookup.isError) outcome = failed(code, lookup.error);
    else outcome = { kind: "looking", code };
  }

  return (
    <section className="screen pickup" aria-labelledby="pickup-heading">
      <h1 id="pickup-heading">Pickup</h1>
      {outcome.kind === "idle" ? (
        <form
          className="pickup-entry"
          onSubmit={(event) => {
            event.preventDefault();
            if (typed.trim()) lookUp(typed.trim());
          }}
        >
          <p className="pickup-lead">Scan the customer's pickup code, or type it.</p>
          <label htmlFor="pickup-code">Pickup code</label>
          <input id="pickup-code" className="pickup-input" autoFocus autoComplete="off" spellCheck={false} value={typed} onChange={(event) => setTyped(event.target.value)} />
          <Button type="submit" variant="primary" className="pickup-button">
            Look up
          </Button>
        </form>
      ) : (
        <OutcomeView
          outcome={outcome}
          counter={{ canWaive: hasRole(setup.user?.role, "LEAD"), onPaid: lookUp }}
          onConfirm={(code, answer) => confirm.mutate({ code, answer })}
          onDone={reset}
        />
      )}
    </section>
  );
}

/** What the unpaid screen needs to take the money. */
interface Counter {
  canWaive: boolean;
  onPaid: (code: string, note: string) => void;
}

function OutcomeView({
  outcome,
  counter,
  onConfirm,
  onDone,
}: {
  outcome: Exclude<Outcome, { kind: "idle" }>;
  counter: Counter;
  onConfirm: (code: string, answer: PickupAnswer) => void;
  onDone: () => void;
}) {
  const code = formatPickupCode(outcome.code.toUpperCase());
  switch (outcome.kind) {
    case "looking":
      return <Card tone="neutral" icon="…" title="Looking up…" detail={`Code ${code}`} />;
    case "confirming":
      return <Card tone="neutral" icon="…" title="Handing over…" detail={`${outcome.answer.job.displayNumber}: ${outcome.answer.job.title}`} />;
    case "failed":
      return <FailedView outcome={outcome} code={code} onDone={onDone} />;
    case "confirmed":
      return <ConfirmedView outcome={outcome} onDone={onDone} />;
    case "answer":
      return <AnswerView code={outcome.code} answer={outcome.answer} note={outcome.note} counter={counter} onConfirm={onConfirm} onDone={onDone} />;
  }
}

function AnswerView({
  code,
  answer,
  note,
  counter,
  onConfirm,
  onDone,
}: {
  code: string;
  answer: PickupAnswer;
  note: string | undefined;
  counter: Counter;
  onConfirm: (code: string, answer: PickupAnswer) => void;
  onDone: () => void;
}) {
  const job = answer.job;
  const what = `${job.displayNumber}: ${job.title}${answer.customer ? ` — ${answer.customer.name}` : ""}`;
  if (answer.pendingHandover) {
    return (
      <Card tone="warn" icon="↻" title="Pending sync" detail={what} onDone={onDone}>
        <p>
          This job was already handed over at this station (<When iso={answer.pendingHandover.scannedAt} />); the server has not confirmed it yet. Do not hand it over again.
        </p>
      </Card>
    );
  }
  if (answer.canHandOver) {
    return <ReadyView code={code} answer={answer} what={what} note={note} onConfirm={onConfirm} onDone={onDone} />;
  }
  const refusal = answer.refusal;
  switch (refusal?.reason) {
    case "UNPAID":
      return (
        <Card tone="bad" icon="€" title="Unpaid" detail={what}>
          <p className="pickup-amount">
            Amount due: <strong>{answer.payment.amountDue}</strong>
          </p>
          <p>{refusal.message}</p>
          <TakePayment
            answer={answer}
            canWaive={counter.canWaive}
            onSettled={(settled) => counter.onPaid(code, settled)}
            onCancel={onDone}
          />
        </Card>
      );
    case "ALREADY_PICKED_UP":
      return (
        <Card tone="bad" icon="✕" title="Already picked up" detail={what} onDone={onDone}>
          <dl className="pickup-facts">
            <dt>When</dt>
            <dd>{job.pickedUpAt ? <When iso={job.pickedUpAt} /> : "unknown"}</dd>
            <dt>Who</dt>
            <dd>{job.pickedUpByName ?? "unknown"}</dd>
            <dt>Station</dt>
            <dd>{job.pickedUpStationName ?? "unknown"}</dd>
          </dl>
          <p>{refusal.message}</p>
        </Card>
      );
    case "NOT_READY":
      return (
        <Card tone="bad" icon="⏳" title="Not ready" detail={what} onDone={onDone}>
          <p className="pickup-amount">
            Current status: <strong>{STATUS_LABEL[job.status]}</strong>
          </p>
          <p>{refusal.message}</p>
        </Card>
      );
    case "CANCELLED":
      return (
        <Card tone="bad" icon="✕" title="Cancelled" detail={what} onDone={onDone}>
          <p>{refusal.message}</p>
        </Card>
      );
    default:
      return (
        <Card tone="bad" icon="✕" title="Cannot hand over" detail={what} onDone={onDone}>
          <p>{refusal?.message ?? "This job cannot be handed over."}</p>
        </Card>
      );
  }
}

function ReadyView({
  code,
  answer,
  what,
  note,
  onConfirm,
  onDone,
}: {
  code: string;
  answer: PickupAnswer;
  what: string;
  note: string | undefined;
  onConfirm: (code: string, answer: PickupAnswer) => void;
  onDone: () => void;
}) {
  const onKey = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.preventDefault();
      onDone();
    }
  };
  return (
    <div onKeyDown={onKey}>
      <Card tone="good" icon="✓" title="Ready for pickup" detail={what}>
        {note && <p role="status">{note}</p>}
        <p>Paid: {answer.payment.status === "WAIVED" ? "waived" : "yes"}. Hand the job over, then confirm.</p>
        <div className="button-row">
          <Button variant="primary" className="pickup-button" autoFocus onClick={() => onConfirm(code, answer)}>
            Confirm handover
          </Button>
          <Button className="pickup-button" onClick={onDone}>
            Cancel (Esc)
          </Button>
        </div>
      </Card>
    </div>
  );
}

function ConfirmedView({ outcome, onDone }: { outcome: Extract<Outcome, { kind: "confirmed" }>; onDone: () => void }) {
  const { result, answer } = outcome;
  const what = `${answer.job.displayNumber}: ${answer.job.title}`;
  if (result.outcome === "handed_over") return <Card tone="good" icon="✓" title="Handed over" detail={what} onDone={onDone}><p>{result.message}</p></Card>;
  if (result.outcome === "pending_sync") {
    return (
      <Card tone="warn" icon="↻" title="Handed over — pending sync" detail={what} onDone={onDone}>
        <p>{result.message}</p>
      </Card>
    );
  }
  return (
    <Card tone="bad" icon="✕" title="Not handed over" detail={what} onDone={onDone}>
      <p>{result.refusal?.message ?? result.message}</p>
    </Card>
  );
}

function FailedView({ outcome, code, onDone }: { outcome: Extract<Outcome, { kind: "failed" }>; code: string; onDone: () => void }) {
  if (outcome.reason === "UNKNOWN_CODE") {
    return (
      <Card tone="bad" icon="?" title="Unknown code" detail={`Code ${code}`} onDone={onDone}>
        <p>{outcome.message}</p>
      </Card>
    );
  }
  if (outcome.reason === "INVALID_CODE") {
    return (
      <Card tone="bad" icon="?" title="Not a pickup code" detail={`Read: ${outcome.code}`} onDone={onDone}>
        <p>{outcome.message}</p>
      </Card>
    );
  }
  return (
    <Card tone="bad" icon="✕" title={outcome.offline ? "Offline" : "Something went wrong"} detail={`Code ${code}`} onDone={onDone}>
      <p>{outcome.message}</p>
    </Card>
  );
}

/** One outcome, big enough to read from a step away; "Next customer" takes focus when it is the only action. */
function Card({ tone, icon, title, detail, onDone, children }: { tone: "good" | "warn" | "bad" | "neutral"; icon: string; title: string; detail: string; onDone?: () => void; children?: ReactNode }) {
  return (
    <div className={`pickup-card pickup-card--${tone}`} role={tone === "neutral" ? "status" : "alert"} aria-label={title}>
      <p className="pickup-title">
        <span aria-hidden="true" className="pickup-icon">
          {icon}
        </span>{" "}
        {title}
      </p>
      <p className="pickup-detail">{detail}</p>
      {children}
      {onDone && (
        <Button variant="primary" className="pickup-button" autoFocus onClick={onDone}>
          Next customer
        </Button>
      )}
    </div>
  );
}

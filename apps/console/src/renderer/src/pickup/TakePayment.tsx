import { useState, type KeyboardEvent } from "react";
import type { ActionAnswer, PickupAnswer } from "../../../shared/local-api.ts";
import { useTRPCClient } from "../trpc.ts";
import { Button } from "../ui/Button.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";

type Method = "cash" | "card";

/** "12.50", "12,50" or "12" as cents; null when it is not an amount. */
export function centsOf(text: string): number | null {
  const match = /^\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? "0").padEnd(2, "0"));
}

function amountText(cents: number): string {
  return (cents / 100).toFixed(2);
}

/** What the person is told once the money is settled, above the handover. */
export function settledNote(answer: ActionAnswer, what: "paid" | "waived"): string {
  if (answer.status === "pending") {
    return what === "paid" ? "Payment taken; it waits to sync with the server (pending sync)." : "Payment waived; it waits to sync with the server (pending sync).";
  }
  if (what === "waived") return "Payment waived.";
  return answer.receipts.length > 0 ? `Payment recorded: receipt ${answer.receipts.join(", ")} issued.` : "Payment recorded.";
}

/**
 * The unpaid job at the counter: money taken in cash or by card (the amount due offered), or, for
 * a lead, waived with a reason. The change is queued like a scan, so it works offline and is sent
 * under the person who took it; once settled, the counter goes straight on to the handover.
 */
export function TakePayment({
  answer,
  canWaive,
  onSettled,
  onCancel,
}: {
  answer: PickupAnswer;
  canWaive: boolean;
  onSettled: (note: string) => void;
  onCancel: () => void;
}) {
  const client = useTRPCClient();
  const [amount, setAmount] = useState(amountText(answer.payment.amountDueCents));
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  const cents = centsOf(amount);

  const settle = async (run: () => Promise<ActionAnswer>, what: "paid" | "waived") => {
    setBusy(true);
    setProblem(null);
    try {
      const result = await run();
      if (result.status === "rejected" || result.status === "conflict") {
        setProblem(new Error(result.message ?? "The server refused this payment."));
        return;
      }
      onSettled(settledNote(result, what));
    } catch (error) {
      setProblem(error);
    } finally {
      setBusy(false);
    }
  };
  const take = (method: Method) => {
    if (cents === null || cents <= 0) {
      setProblem(new Error(`Enter the amount received, e.g. ${amountText(answer.payment.amountDueCents)}.`));
      return;
    }
    void settle(() => client.payments.take.mutate({ jobId: answer.job.id, method, amountCents: cents }), "paid");
  };
  const onKey = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.preventDefault();
      onCancel();
    }
  };

  return (
    <div className="take-payment" onKeyDown={onKey}>
      <form
        className="take-payment-form"
        onSubmit={(event) => {
          event.preventDefault();
          take("cash");
        }}
      >
        <label htmlFor="payment-amount">Amount received ({answer.payment.currency})</label>
        <input
          id="payment-amount"
          className="take-payment-amount"
          inputMode="decimal"
          autoComplete="off"
          autoFocus
          value={amount}
          aria-invalid={cents === null}
          onChange={(event) => setAmount(event.target.value)}
        />
        <div className="button-row">
          <Button type="submit" variant="primary" className="pickup-button" disabled={busy}>
            Cash received
          </Button>
          <Button className="pickup-button" disabled={busy} onClick={() => take("card")}>
            Card paid
          </Button>
          <Button className="pickup-button" onClick={onCancel}>
            Cancel (Esc)
          </Button>
        </div>
      </form>
      {canWaive && (
        <form
          className="take-payment-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (reason.trim()) void settle(() => client.payments.waive.mutate({ jobId: answer.job.id, reason: reason.trim() }), "waived");
            else setProblem(new Error("Say why the payment is waived (a remake, a goodwill gesture…)."));
          }}
        >
          <label htmlFor="waive-reason">Or waive it (lead): why</label>
          <input id="waive-reason" autoComplete="off" value={reason} onChange={(event) => setReason(event.target.value)} />
          <Button type="submit" className="pickup-button" disabled={busy}>
            Waive payment
          </Button>
        </form>
      )}
      <ErrorMessage error={problem} what="taking a payment" />
    </div>
  );
}

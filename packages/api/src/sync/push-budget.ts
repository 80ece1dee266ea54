import { refundScanBudget, spendScanBudget, type LimiterDeps } from "../rate-limits/limits.ts";

/**
 * A push's scans and the scan budget. Each scan's point is spent before anything reads its code.
 * A replay's scans come one after another, so the next one's point is spent while this one is
 * applied (on the limits' own connection): its round trip is off the scans' path, and its code is
 * still read only once the spend has answered. The point of a scan that handed its job over, or
 * that was started ahead and rolled back because the push stopped before it, is owed back: given
 * back with a later spend (one statement, not two) or as the push ends, with the point spent ahead
 * for a scan the push never reached. Should any of those statements fail, the point stays spent:
 * the budget errs towards fewer guesses. Spending ahead holds one point more than spending each
 * scan's in turn, so an account at the very edge of its budget is stopped one scan sooner.
 */
export class PushBudget {
  private owed = 0;
  private ahead: { mutationId: string; spent: Promise<void> } | null = null;

  constructor(
    private readonly deps: LimiterDeps,
    private readonly userId: string,
    private readonly ip: string,
  ) {}

  /** Spends the point of the scan `mutationId`, or waits for the spend made ahead for it; over the budget, throws spendScanBudget's refusal. */
  async spendFor(mutationId: string): Promise<void> {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead?.mutationId === mutationId) return ahead.spent;
    if (ahead) await this.oweBackIfSpent(ahead.spent);
    return this.spend();
  }

  /** Starts spending the point of the scan that comes next, while the one in hand is applied. */
  spendAhead(mutationId: string): void {
    const spent = this.spend();
    // Awaited by spendFor or settle; until then its refusal is no unhandled rejection.
    spent.catch(() => undefined);
    this.ahead = { mutationId, spent };
  }

  /** The scan's point comes back: it handed its job over (no guess), or it rolled back unapplied. */
  oweBack(): void {
    this.owed++;
  }

  /** As the push ends: gives back what is owed, the point spent ahead for a scan not reached included. */
  async settle(): Promise<void> {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead) await this.oweBackIfSpent(ahead.spent);
    const owed = this.owed;
    this.owed = 0;
    if (owed > 0) await refundScanBudget(this.deps, this.userId, this.ip, owed);
  }

  private async oweBackIfSpent(spent: Promise<void>): Promise<void> {
    if (await spent.then(() => true, () => false)) this.owed++;
  }

  private spend(): Promise<void> {
    const givingBack = this.owed > 0;
    if (givingBack) this.owed--;
    return spendScanBudget(this.deps, this.userId, this.ip, givingBack);
  }
}

// How the load generator spreads its requests over the shop's signed-in seats and addresses,
// as a floor of consoles behind a load balancer would: the per-session, per-account and
// per-address limits then see a shop's traffic, not one client's.
import type { BenchSeat } from "../seed/index.ts";

export function seatHeaders(seats: BenchSeat[], n: number, extra: Record<string, string> = {}): Record<string, string> {
  const seat = seats[n % seats.length] as BenchSeat;
  return { ...seat.headers, "x-forwarded-for": `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, ...extra };
}

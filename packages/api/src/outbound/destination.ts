import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import ipaddr from "ipaddr.js";

/*
 * Where a webhook may be delivered. An admin types the URL, but the worker that posts to it sits
 * inside the shop's network: left open, a URL could make it call the database host, a printer's
 * admin page or a cloud metadata service. So by default a delivery goes only to public addresses,
 * checked on the address the connection actually uses (after DNS, so a name that resolves to a
 * private address is refused too, and the check cannot be raced by a second lookup). An IPv6
 * address that stands for an IPv4 one (IPv4-mapped, NAT64, 6to4) is judged by that IPv4 address;
 * the forms that tunnel to an address nobody can check here (IPv4-compatible, IPv4-translated,
 * Teredo) are refused outright. WEBHOOK_ALLOW_PRIVATE_NETWORKS lets a shop deliver to its own
 * network on purpose. A URL never carries credentials (user:password@): the receiver checks the
 * signature instead, and a URL is logged only as its scheme and host (redactedUrl).
 */

const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata services
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 96], // IPv4-compatible (deprecated), with the unspecified and loopback addresses
  ["::ffff:0:0:0", 96], // IPv4-translated (SIIT)
  ["64:ff9b:1::", 48], // local-use NAT64
  ["2001::", 32], // Teredo: the IPv4 host behind it is hidden, so it cannot be checked
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, "ipv6");
}

/** IPv6 forms that carry the IPv4 address they reach, and which two 16-bit groups hold it. */
const CARRIES_IPV4: Array<{ network: [ipaddr.IPv6, number]; groups: [number, number] }> = [
  { network: ipaddr.IPv6.parseCIDR("::ffff:0:0/96"), groups: [6, 7] }, // IPv4-mapped
  { network: ipaddr.IPv6.parseCIDR("64:ff9b::/96"), groups: [6, 7] }, // NAT64, well-known prefix
  { network: ipaddr.IPv6.parseCIDR("2002::/16"), groups: [1, 2] }, // 6to4
];

/** The IPv4 address an IPv6 address stands for (::ffff:10.0.0.1, 64:ff9b::a00:1, 2002:a00:1::), or null. */
function embeddedIpv4(address: string): string | null {
  const v6 = ipaddr.IPv6.parse(address);
  for (const { network, groups } of CARRIES_IPV4) {
    if (!v6.match(network)) continue;
    const [high, low] = groups.map((g) => v6.parts[g] ?? 0) as [number, number];
    return [high >> 8, high & 255, low >> 8, low & 255].join(".");
  }
  return null;
}

/** True for an address on the public internet; false for loopback, private, link-local and reserved ones. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    // Node's own parser decides the ranges first (ipaddr.js reads "::a.b.c.d" as IPv4-mapped).
    if (NOT_PUBLIC.check(address, "ipv6")) return false;
    const v4 = embeddedIpv4(address);
    return v4 === null || isPublicAddress(v4);
  }
  return !NOT_PUBLIC.check(address, "ipv4");
}

function notPublicReason(host: string, address: string): string {
  return (
    `${host} is ${address === host ? "" : `at ${address}, `}a private, loopback or reserved address; ` +
    "webhooks go to public addresses only (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to deliver inside the shop's network)"
  );
}

/** A delivery refused before connecting; its message goes into the delivery log as it is. */
export class DestinationRefused extends Error {
  readonly host: string;
  readonly address: string;
  constructor(host: string, address: string) {
    super(`not sent: ${notPublicReason(host, address)}`);
    this.name = "DestinationRefused";
    this.host = host;
    this.address = address;
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that answers only public addresses, so the socket connects to an
 * address that passed the check. Node calls it for host names; IP literals are checked by
 * `refusedLiteral` first, because Node connects to them without a lookup.
 */
export function publicOnlyLookup(hostname: string, options: { all?: boolean }, callback: LookupCallback): void {
  dnsLookup(hostname, { all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    // One private answer refuses the name: a connection could otherwise land on it by chance.
    if (refused) return callback(new DestinationRefused(hostname, refused.address), []);
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), []);
    callback(null, first.address, first.family);
  });
}

function literalHost(url: URL): string | null {
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) !== 0 ? host : null;
}

/** The refusal for a URL whose host is an IP literal that is not public, or null. */
export function refusedLiteral(url: URL): DestinationRefused | null {
  const host = literalHost(url);
  return host !== null && !isPublicAddress(host) ? new DestinationRefused(host, host) : null;
}

const CREDENTIALS = "a webhook URL cannot carry a user name or password (user:password@host); the receiver checks the OrderDeck-Signature header instead";

/**
 * Why a URL cannot be saved as a webhook endpoint, or null: credentials in it, or (unless the shop
 * allows its own network) a host that is a private IP literal. A host name is judged at delivery,
 * on the address it resolves to then.
 */
export function unsavableUrl(url: URL, allowPrivateNetworks: boolean): string | null {
  if (url.username !== "" || url.password !== "") return `This URL is refused: ${CREDENTIALS}.`;
  const host = literalHost(url);
  if (!allowPrivateNetworks && host !== null && !isPublicAddress(host)) return `This URL is refused: ${notPublicReason(host, host)}.`;
  return null;
}

/** The refusal of a stored URL that carries credentials (saved before they were refused), or null. */
export function refusedCredentials(url: URL): Error | null {
  return url.username !== "" || url.password !== "" ? new Error(`not sent: ${CREDENTIALS}`) : null;
}

/**
 * A webhook URL as logs and lists may show it: scheme, host and port. Credentials, path and query
 * are left out, since receivers put their tokens there (…/hooks/T0/B0/secret, ?token=…).
 */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return "(not a URL)";
  }
}

import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";

/*
 * Where a webhook may be delivered. An admin types the URL, but the worker that posts to it sits
 * inside the shop's network: left open, a URL could make it call the database host, a printer's
 * admin page or a cloud metadata service. So by default a delivery goes only to public addresses,
 * checked on the address the connection actually uses (after DNS, so a name that resolves to a
 * private address is refused too, and the check cannot be raced by a second lookup).
 * WEBHOOK_ALLOW_PRIVATE_NETWORKS lets a shop deliver to its own network on purpose.
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
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["64:ff9b:1::", 48], // local-use NAT64
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, "ipv6");
}

/** The IPv4 address an IPv4-mapped or -compatible IPv6 address stands for (::ffff:10.0.0.1). */
function embeddedIpv4(address: string): string | null {
  const match = /^::(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (match?.[1]) return match[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex?.[1] || !hex[2]) return null;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/** True for an address on the public internet; false for loopback, private, link-local and reserved ones. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== null) return isPublicAddress(v4);
    return !NOT_PUBLIC.check(address, "ipv6");
  }
  return !NOT_PUBLIC.check(address, "ipv4");
}

/** A delivery refused before connecting; its message goes into the delivery log as it is. */
export class DestinationRefused extends Error {
  readonly host: string;
  readonly address: string;
  constructor(host: string, address: string) {
    super(
      `not sent: ${host} is ${address === host ? "" : `at ${address}, `}a private, loopback or reserved address; ` +
        "webhooks go to public addresses only (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to deliver inside the shop's network)",
    );
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

/** The refusal for a URL whose host is an IP literal that is not public, or null. */
export function refusedLiteral(url: URL): DestinationRefused | null {
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) !== 0 && !isPublicAddress(host) ? new DestinationRefused(host, host) : null;
}

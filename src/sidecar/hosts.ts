/**
 * Host check at every connect (reliability-security.md X1): the name is resolved once, every address
 * is classified with node:net's BlockList (which also normalises IPv4-mapped IPv6), and the connection
 * goes to the pinned address so a DNS answer that flips after the check cannot redirect it. Private,
 * loopback and link-local targets are allowed only when the deployment says so (local dev, tests).
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { AppError } from "../shared/errors";

const FORBIDDEN = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
] as const) {
  FORBIDDEN.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  FORBIDDEN.addSubnet(net, prefix, "ipv6");
}

function isForbidden(address: string): boolean {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  if (family === "ipv6") {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return FORBIDDEN.check(mapped[1]!, "ipv4");
  }
  return FORBIDDEN.check(address, family);
}

/** Same words whatever failed, so the check is no port-scanning oracle. */
const REFUSED = "The mail host is not reachable from this service; use a public IMAP host name.";

/**
 * Resolves `host` and returns the address to connect to.
 * @param allowPrivate true only where SIDECAR_ALLOW_PRIVATE_HOSTS=true (local dev and tests).
 */
export async function resolveMailHost(host: string, allowPrivate: boolean): Promise<string> {
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch (cause) {
    throw new AppError("INVALID_ARGUMENT", `Cannot resolve the IMAP host ${JSON.stringify(host)}; check the name.`, { stage: "dns" }, { cause });
  }
  if (addresses.length === 0) throw new AppError("INVALID_ARGUMENT", REFUSED, { stage: "dns" });
  if (!allowPrivate && addresses.some(isForbidden)) throw new AppError("FORBIDDEN", REFUSED, { stage: "host_check" });
  return addresses[0]!;
}

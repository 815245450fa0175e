/**
 * SSRF policy for user-supplied SMTP/IMAP hosts. Hosts that are, or resolve to, private, loopback,
 * link-local, CGNAT, multicast or metadata addresses are refused unless ALLOW_PRIVATE_MAIL_HOSTS=true.
 * Literal addresses are normalised by the WHATWG URL parser first, so decimal (2130706433), hex
 * (0x7f000001), octal (0177.0.0.1) and IPv4-mapped IPv6 forms cannot slip past; names are resolved
 * over DNS-over-HTTPS and every A/AAAA answer must be public. Workers egress itself cannot reach
 * private networks, which closes the DNS-rebinding gap between this check and the connect.
 */
import { AppError } from "../shared/errors";

const DOH_URL = "https://cloudflare-dns.com/dns-query";
const DOH_TIMEOUT_MS = 3000;
/** Submission and IMAP ports accepted in production (25 is blocked on Workers anyway). */
const PUBLIC_PORTS: Record<"smtp" | "imap", readonly number[]> = { smtp: [465, 587, 2525], imap: [993, 143] };

export function privateHostsAllowed(env: Pick<Env, "ALLOW_PRIVATE_MAIL_HOSTS">): boolean {
  return env.ALLOW_PRIVATE_MAIL_HOSTS === "true";
}

/** Throws FORBIDDEN (details.reason = "host_forbidden") when the host or port is not allowed. */
export async function assertMailHostAllowed(
  env: Pick<Env, "ALLOW_PRIVATE_MAIL_HOSTS">,
  kind: "smtp" | "imap",
  host: string,
  port: number,
): Promise<void> {
  if (privateHostsAllowed(env)) return;
  const field = `${kind}_host`;
  const refuse = (): never => {
    throw new AppError(
      "FORBIDDEN",
      `${field} ${JSON.stringify(host.slice(0, 253))} is not allowed: mail hosts must be public internet hosts on a ` +
        `submission port (${kind === "smtp" ? "465, 587 or 2525" : "993 or 143"}). Use your provider's public host name.`,
      { field, reason: "host_forbidden" },
    );
  };
  if (!PUBLIC_PORTS[kind].includes(port)) refuse();
  const normalised = normaliseHost(host);
  if (normalised === null) refuse();
  if (isIpLiteral(normalised!)) {
    if (!isPublicAddress(normalised!)) refuse();
    return;
  }
  if (/(^|\.)(localhost|local|internal|home\.arpa|localdomain)$/i.test(normalised!)) refuse();
  const addresses = await resolve(normalised!);
  if (addresses.length === 0 || !addresses.every(isPublicAddress)) refuse();
}

/** The WHATWG URL host form: lowercased, IPv4 numerics canonicalised, IPv6 compressed in brackets. */
export function normaliseHost(host: string): string | null {
  try {
    const hostname = new URL(`http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}/`).hostname;
    return hostname.replace(/^\[|\]$/g, "");
  } catch {
    return null;
  }
}

function isIpLiteral(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(":");
}

export function isPublicAddress(address: string): boolean {
  if (!address.includes(":")) return isPublicV4(address.split(".").map(Number));
  const words = expandV6(address);
  if (!words) return false;
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96) carry an IPv4 address in the last 32 bits.
  const mapped = words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff;
  const nat64 = words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0);
  if (mapped || nat64) return isPublicV4([words[6]! >> 8, words[6]! & 255, words[7]! >> 8, words[7]! & 255]);
  if (words.every((w) => w === 0)) return false; // ::
  if (words.slice(0, 7).every((w) => w === 0) && words[7] === 1) return false; // ::1
  const first = words[0]!;
  if ((first & 0xfe00) === 0xfc00) return false; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return false; // fe80::/10 link-local
  if ((first & 0xff00) === 0xff00) return false; // multicast
  if (first === 0x2001 && words[1] === 0x0db8) return false; // documentation
  return true;
}

function isPublicV4([a, b, c]: number[]): boolean {
  if (a === undefined || b === undefined || c === undefined) return false;
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 100 && b >= 64 && b <= 127) return false; // CGNAT
  if (a === 169 && b === 254) return false; // link-local, cloud metadata
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false;
  if (a === 198 && (b === 18 || b === 19)) return false;
  return true;
}

function expandV6(address: string): number[] | null {
  let text = address.toLowerCase().split("%")[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split(".").map(Number) as [number, number, number, number];
    text = text.slice(0, -v4[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = 8 - left.length - right.length;
  if (tail === undefined ? left.length !== 8 : fill < 0) return null;
  const words = [...left, ...new Array<number>(tail === undefined ? 0 : fill).fill(0), ...right];
  return words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffff) ? null : words;
}

async function resolve(name: string): Promise<string[]> {
  const answers = await Promise.all(
    (["A", "AAAA"] as const).map(async (type) => {
      // Any resolver failure yields no answers, and no answers means refused.
      try {
        const res = await fetch(`${DOH_URL}?name=${encodeURIComponent(name)}&type=${type}`, {
          headers: { accept: "application/dns-json" },
          signal: AbortSignal.timeout(DOH_TIMEOUT_MS),
        });
        if (!res.ok) return [];
        const body = (await res.json()) as { Answer?: Array<{ type: number; data: string }> };
        return (body.Answer ?? []).filter((a) => a.type === 1 || a.type === 28).map((a) => String(a.data));
      } catch {
        return [];
      }
    }),
  );
  return answers.flat();
}

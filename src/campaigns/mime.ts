/**
 * RFC 5322 / RFC 2045 message assembly: headers as given (already single-line and encoded),
 * multipart/alternative with a text/plain and a text/html part, both quoted-printable (RFC 2045 §6.7),
 * CRLF line endings. SMTP dot-stuffing is the transport's job.
 */

export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

export function buildMime(headers: HeaderList, text: string, html: string): string {
  const boundary = `=_ph_${randomHex(12)}`;
  const head = [
    ...headers.map(([name, value]) => `${name}: ${value}`),
    "MIME-Version: 1.0",
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ].join("\r\n");
  const part = (type: string, body: string) =>
    `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${quotedPrintable(body)}\r\n`;
  return `${head}\r\n\r\n${part("text/plain", text)}${part("text/html", html)}--${boundary}--\r\n`;
}

/** RFC 5322 date with a numeric zone: `Mon, 23 Nov 2026 09:05:00 +0000`. */
export function rfc5322Date(date: Date): string {
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][date.getUTCDay()];
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][date.getUTCMonth()];
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${day}, ${pad(date.getUTCDate())} ${month} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Quoted-printable with soft breaks at 76 columns; line breaks normalised to CRLF. */
export function quotedPrintable(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  return lines
    .map((line) => {
      let out = "";
      let column = 0;
      const bytes = new TextEncoder().encode(line);
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i]!;
        const last = i === bytes.length - 1;
        const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
        const piece = literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, "0")}`;
        if (column + piece.length > 75) {
          out += "=\r\n";
          column = 0;
        }
        out += piece;
        column += piece.length;
      }
      return out;
    })
    .join("\r\n");
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

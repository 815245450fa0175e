/**
 * Just enough MIME to walk a report: header blocks (unfolded, RFC 5322 §2.2.3), multipart bodies split
 * on their boundary (RFC 2046 §5.1.1) and base64/quoted-printable part bodies. mailparser decodes the
 * top level well but flattens `message/delivery-status` into the text body, losing the per-recipient
 * blocks RFC 3464 needs, so the report parts are read here instead.
 */

/** One header field; names are lowercased, values unfolded and trimmed. */
export interface HeaderField {
  name: string;
  value: string;
}

export interface MimePart {
  headers: HeaderField[];
  /** lowercased `type/subtype` (text/plain when absent, per RFC 2045 §5.2). */
  contentType: string;
  params: Record<string, string>;
  /** decoded body text (latin1 for undecodable bytes is acceptable: reports are ASCII or UTF-8). */
  body: string;
  children: MimePart[];
}

/** Splits raw text into its header block and body at the first empty line (`\r?\n\r?\n`). */
export function splitHeaderBody(raw: string): { head: string; body: string } {
  // indexOf scans instead of a regex: this runs on every part of every report in a folder sync.
  for (let nl = raw.indexOf("\n"); nl >= 0; nl = raw.indexOf("\n", nl + 1)) {
    const next = raw.charCodeAt(nl + 1);
    const end = next === 10 ? nl + 2 : next === 13 && raw.charCodeAt(nl + 2) === 10 ? nl + 3 : -1;
    if (end < 0) continue;
    const start = nl > 0 && raw.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    return { head: raw.slice(0, start), body: raw.slice(end) };
  }
  return { head: raw, body: "" };
}

/** Parses a header block (also used for the field blocks of message/delivery-status). */
export function parseHeaderBlock(head: string): HeaderField[] {
  const fields: HeaderField[] = [];
  // Lines end at \n, with a \r before it dropped (the same lines as split(/\r?\n/), without the regex).
  for (let start = 0; start <= head.length; ) {
    const nl = head.indexOf("\n", start);
    const end = nl < 0 ? head.length : nl;
    const line = head.slice(start, nl >= 0 && end > start && head.charCodeAt(end - 1) === 13 ? end - 1 : end);
    start = end + 1;
    const first = line.charCodeAt(0);
    if ((first === 32 || first === 9) && fields.length > 0) {
      const last = fields[fields.length - 1]!;
      last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    fields.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  return fields;
}

export function headerValue(headers: HeaderField[], name: string): string | undefined {
  return headers.find((h) => h.name === name)?.value;
}

export function headerValues(headers: HeaderField[], name: string): string[] {
  return headers.filter((h) => h.name === name).map((h) => h.value);
}

/** `type/subtype; a=b; c="d"` → lowercased type and params (param names lowercased, values unquoted). */
export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  if (!value) return { type: "text/plain", params: {} };
  const [type, ...rest] = value.split(";");
  const params: Record<string, string> = {};
  for (const piece of rest) {
    const eq = piece.indexOf("=");
    if (eq < 0) continue;
    const key = piece.slice(0, eq).trim().toLowerCase();
    const value = piece.slice(eq + 1).trim();
    params[key] = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return { type: (type ?? "text/plain").trim().toLowerCase(), params };
}

/** The value of an ASCII hex digit byte, -1 for anything else (or past the end). */
function hexDigit(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? "").trim().toLowerCase()) {
    case "base64":
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ""), "base64").toString("utf8");
    case "quoted-printable": {
      const bytes = Buffer.from(body.replace(/=\r?\n/g, ""), "latin1");
      const out = Buffer.allocUnsafe(bytes.length);
      let length = 0;
      for (let i = 0; i < bytes.length; i++) {
        const high = bytes[i] === 0x3d ? hexDigit(bytes[i + 1]) : -1;
        const low = high >= 0 ? hexDigit(bytes[i + 2]) : -1;
        if (low >= 0) {
          out[length++] = high * 16 + low;
          i += 2;
        } else {
          out[length++] = bytes[i]!;
        }
      }
      return out.toString("utf8", 0, length);
    }
    default:
      return body;
  }
}

/** Maximum nesting walked; reports are three levels deep at most, deeper input is hostile. */
const MAX_DEPTH = 8;

/** Parses a whole message (or part) into a tree of parts. */
export function parseMime(raw: string, depth = 0): MimePart {
  const { head, body } = splitHeaderBody(raw);
  return parseMimeBody(parseHeaderBlock(head), body, depth);
}

/** The same, for a message whose header block is already parsed (the classifier reads it first). */
export function parseMimeBody(headers: HeaderField[], body: string, depth = 0): MimePart {
  const { type, params } = parseContentType(headerValue(headers, "content-type"));
  const part: MimePart = { headers, contentType: type, params, body: "", children: [] };
  const boundary = params.boundary;
  if (type.startsWith("multipart/") && boundary && depth < MAX_DEPTH) {
    const escaped = boundary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const delimiter = new RegExp(`\\r?\\n?--${escaped}(?:--)?[ \\t]*(?:\\r?\\n|$)`, "g");
    // pieces[0] is the preamble; anything after the closing delimiter is the epilogue.
    const closing = body.indexOf(`--${boundary}--`);
    let from = 0;
    for (let i = 0; from <= body.length; i++) {
      const match = delimiter.exec(body);
      const to = match ? match.index : body.length;
      if (i > 0 && (closing < 0 || from <= closing)) part.children.push(parseMime(body.slice(from, to), depth + 1));
      if (!match) break;
      from = delimiter.lastIndex;
    }
    return part;
  }
  part.body = decodeBody(body, headerValue(headers, "content-transfer-encoding"));
  return part;
}

/** Depth-first list of every part, the root included. */
export function flattenParts(root: MimePart): MimePart[] {
  return [root, ...root.children.flatMap(flattenParts)];
}

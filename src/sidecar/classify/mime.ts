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

/** Splits raw text into its header block and body at the first empty line. */
export function splitHeaderBody(raw: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  if (!match) return { head: raw, body: "" };
  return { head: raw.slice(0, match.index), body: raw.slice(match.index + match[0].length) };
}

/** Parses a header block (also used for the field blocks of message/delivery-status). */
export function parseHeaderBlock(head: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length > 0) {
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
    params[key] = piece.slice(eq + 1).trim().replace(/^"(.*)"$/s, "$1");
  }
  return { type: (type ?? "text/plain").trim().toLowerCase(), params };
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? "").trim().toLowerCase()) {
    case "base64":
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ""), "base64").toString("utf8");
    case "quoted-printable": {
      const bytes = Buffer.from(body.replace(/=\r?\n/g, ""), "latin1");
      const out: number[] = [];
      for (let i = 0; i < bytes.length; i++) {
        const hex = bytes.subarray(i + 1, i + 3).toString("latin1");
        if (bytes[i] === 0x3d && /^[0-9A-Fa-f]{2}$/.test(hex)) {
          out.push(parseInt(hex, 16));
          i += 2;
        } else {
          out.push(bytes[i]!);
        }
      }
      return Buffer.from(out).toString("utf8");
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
  const headers = parseHeaderBlock(head);
  const { type, params } = parseContentType(headerValue(headers, "content-type"));
  const part: MimePart = { headers, contentType: type, params, body: "", children: [] };
  const boundary = params.boundary;
  if (type.startsWith("multipart/") && boundary && depth < MAX_DEPTH) {
    const escaped = boundary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pieces = body.split(new RegExp(`\\r?\\n?--${escaped}(?:--)?[ \\t]*(?:\\r?\\n|$)`));
    // pieces[0] is the preamble; anything after the closing delimiter is the epilogue.
    const closing = body.indexOf(`--${boundary}--`);
    let offset = 0;
    for (const [i, piece] of pieces.entries()) {
      const start = body.indexOf(piece, offset);
      offset = start + piece.length;
      if (i === 0 || (closing >= 0 && start > closing)) continue;
      part.children.push(parseMime(piece, depth + 1));
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

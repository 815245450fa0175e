/**
 * The classifier's MIME reader (src/sidecar/classify/mime.ts): header blocks, the first blank line,
 * multipart splitting with preamble and epilogue, and transfer decoding. The DSN corpus covers the
 * common shapes; these are the edges a hand-written scanner can get wrong.
 */
import { describe, expect, it } from "vitest";
import { parseContentType, parseHeaderBlock, parseMime, splitHeaderBody } from "../../src/sidecar/classify/mime";

describe("splitHeaderBody", () => {
  it.each([
    ["A: 1\r\nB: 2\r\n\r\nbody", "A: 1\r\nB: 2", "body"],
    ["A: 1\n\nbody\n\nmore", "A: 1", "body\n\nmore"],
    ["A: 1\r\n\nbody", "A: 1", "body"],
    ["A: 1\n\r\nbody", "A: 1", "body"],
    ["A: 1\r\rB: 2\n\nbody", "A: 1\r\rB: 2", "body"],
    ["A: 1\r\nB: 2", "A: 1\r\nB: 2", ""],
    ["\r\n\r\nbody", "", "body"],
    ["", "", ""],
  ])("splits %j at the first empty line", (raw, head, body) => {
    expect(splitHeaderBody(raw)).toEqual({ head, body });
  });
});

describe("parseHeaderBlock", () => {
  it("unfolds continuation lines, lowercases names and skips lines without a name", () => {
    const head = "Subject: one\r\n two\r\n\tthree\r\nno colon here\r\n: empty name\r\nX-A:  spaced  \r\nx-a: again\r";
    expect(parseHeaderBlock(head)).toEqual([
      { name: "subject", value: "one two three" },
      { name: "x-a", value: "spaced" },
      { name: "x-a", value: "again" },
    ]);
  });

  it("keeps a lone carriage return inside a line and ignores a leading continuation", () => {
    expect(parseHeaderBlock(" orphan\nA: x\ry\n")).toEqual([{ name: "a", value: "x\ry" }]);
  });
});

describe("parseContentType", () => {
  it("lowercases type and parameter names and unquotes values", () => {
    expect(parseContentType('Multipart/Report; Report-Type=delivery-status; boundary="a;b"')).toEqual({
      type: "multipart/report",
      params: { "report-type": "delivery-status", boundary: '"a' },
    });
    expect(parseContentType('text/plain; charset="utf-8"; x=""; y="')).toEqual({
      type: "text/plain",
      params: { charset: "utf-8", x: "", y: '"' },
    });
    expect(parseContentType(undefined)).toEqual({ type: "text/plain", params: {} });
  });
});

describe("parseMime", () => {
  const report = (body: string) => `Content-Type: multipart/report; boundary="b"\r\n\r\n${body}`;

  it("skips the preamble and everything after the closing delimiter", () => {
    const part = (text: string) => `--b\r\nContent-Type: text/plain\r\n\r\n${text}\r\n`;
    const root = parseMime(report(`preamble\r\n${part("first")}${part("second")}--b--\r\n${part("epilogue")}`));
    expect(root.children.map((p) => [p.contentType, p.body])).toEqual([
      ["text/plain", "first"],
      ["text/plain", "second"],
    ]);
  });

  it("reads no part at all when the closing delimiter comes first", () => {
    const root = parseMime(report("--b--\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n--b--\r\n"));
    expect(root.children).toEqual([]);
  });

  it("decodes quoted-printable: soft breaks, either hex case, and stray '=' left as is", () => {
    const part = parseMime("Content-Transfer-Encoding: quoted-printable\r\n\r\na=3Db=\r\nc =C3=BC=c3=bc =ZZ =4");
    expect(part.body).toBe("a=bc üü =ZZ =4");
  });

  it("decodes base64 and ignores the characters base64 does not use", () => {
    const part = parseMime("Content-Transfer-Encoding: base64\r\n\r\naGVs\r\nbG8g\r\n8J+Qpg==");
    expect(part.body).toBe("hello 🐦");
  });
});

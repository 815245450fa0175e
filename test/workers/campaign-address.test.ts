/** Address parsing, header encoding and MIME assembly: the header-safety choke point. */
import { describe, expect, it } from "vitest";
import { encodeWords, formatAddress, normaliseEmail, parseAddress, stripLineBreaks } from "../../src/campaigns/address";
import { buildMime, quotedPrintable } from "../../src/campaigns/mime";
import { isPublicAddress, normaliseHost } from "../../src/campaigns/host-policy";

describe("addresses", () => {
  it.each([
    ["  Ada@Example.COM ", "Ada@example.com"],
    ["a.b+tag@sub.ex.io", "a.b+tag@sub.ex.io"],
    ["x@xn--bcher-kva.example", "x@xn--bcher-kva.example"],
  ])("normalises %j to %s", (input, out) => expect(normaliseEmail(input)).toBe(out));

  it.each(["a@b", "a..b@ex.com", ".a@ex.com", "a b@ex.com", '"quoted"@ex.com', "a@-ex.com", "a@ex.c0m", "a@ex.com\r\nBcc: x@y.z", "@ex.com"])(
    "refuses %j",
    (input) => expect(normaliseEmail(input)).toBeNull(),
  );

  it("parses display names, quoted names with commas and bare addresses", () => {
    expect(parseAddress("Ada Lovelace <ada@ex.com>")).toEqual({ email: "ada@ex.com", name: "Ada Lovelace" });
    expect(parseAddress('"Lovelace, Ada" <ada@EX.com>')).toEqual({ email: "ada@ex.com", name: "Lovelace, Ada" });
    expect(parseAddress("ada@ex.com")).toEqual({ email: "ada@ex.com", name: null });
    expect(parseAddress("Ada\n<ada@ex.com>")).toEqual({ reason: "contains a line break" });
  });
});

describe("header encoding", () => {
  it("quotes ASCII display names and escapes quotes and backslashes", () => {
    expect(formatAddress("a@ex.com", 'Ada "the first" \\ L')).toBe('"Ada \\"the first\\" \\\\ L" <a@ex.com>');
    expect(formatAddress("a@ex.com", null)).toBe("<a@ex.com>");
  });

  it("splits long non-ASCII text into encoded words of at most 75 characters", () => {
    const encoded = encodeWords("Ünïcödé ".repeat(20));
    const words = encoded.split("\r\n ");
    expect(words.length).toBeGreaterThan(1);
    for (const word of words) expect(word.length).toBeLessThanOrEqual(75);
    expect(stripLineBreaks("a\r\nb\u2028c")).toBe("a b c");
  });

  it("keeps quoted-printable lines under 77 characters and round-trips dots and '='", () => {
    const qp = quotedPrintable(`${"x".repeat(200)}\n.leading dot = sign \n`);
    for (const line of qp.split("\r\n")) expect(line.length).toBeLessThanOrEqual(76);
    expect(qp).toContain("=3D");
    expect(qp).toContain("sign=20");
    const raw = buildMime([["Subject", "s"]], "text", "<p>html</p>");
    expect(raw).toMatch(/^Subject: s\r\nMIME-Version: 1\.0\r\nContent-Type: multipart\/alternative; boundary="=_ph_[0-9a-f]{24}"\r\n\r\n/);
    expect(raw.endsWith("--\r\n")).toBe(true);
  });
});

describe("host classification", () => {
  it.each([
    ["2130706433", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["[::ffff:127.0.0.1]", "::ffff:7f00:1"],
  ])("normalises %s to %s", (host, out) => expect(normaliseHost(host)).toBe(out));

  it.each([["8.8.8.8", true], ["2606:4700::1111", true], ["::ffff:7f00:1", false], ["64:ff9b::a00:1", false], ["fd12::1", false], ["169.254.169.254", false]])(
    "%s is public: %s",
    (address, expected) => expect(isPublicAddress(address)).toBe(expected),
  );
});

/** Glob overlap: the symmetric decision used for claim conflicts, checked against picomatch itself. */
import fc from "fast-check";
import picomatch from "picomatch";
import { describe, expect, it } from "vitest";
import { normalizePattern, OverlapIndex, patternsOverlap } from "../../src/coordinator/glob-overlap";

describe("patternsOverlap", () => {
  it.each([
    ["src/**", "src/app.py", true],
    ["src/**", "src/dir/nested.py", true],
    ["docs/**", "src/**", false],
    ["assets/*.png", "assets/logo.png", true],
    ["assets/*.png", "assets/logo.jpg", false],
    ["*.png", "*.jpg", false],
    ["src/a/*.py", "src/*/b.py", true],
    ["src", "src/x/y.ts", true],
    ["src/*.{ts,js}", "src/*.js", true],
    ["src/*.{ts,js}", "src/*.py", false],
    ["a/[bc]*.md", "a/d*.md", false],
    ["a/[bc]*.md", "a/c?.md", true],
    ["lib/**/test/*.ts", "lib/*.ts", false],
    ["lib/**/test/*.ts", "lib/a/b/test/x.ts", true],
    ["src/**", "src/.env", true],
    ["tool://x", "tool://x", true],
    ["tool://x", "tool://*", false],
    ["service://db", "**", false],
    ["src/@(a|b).ts", "src/c.ts", true], // extglob: reported as a possible overlap (documented limit)
  ])("%s vs %s → %s (both directions)", (a, b, expected) => {
    expect(patternsOverlap(normalizePattern(a), normalizePattern(b))).toBe(expected);
    expect(patternsOverlap(normalizePattern(b), normalizePattern(a))).toBe(expected);
  });

  it("normalises backslashes, leading slashes and ./", () => {
    expect(normalizePattern("/src/a.ts")).toBe("src/a.ts");
    expect(normalizePattern("./x\\y")).toBe("x/y");
    expect(normalizePattern("tool://deploy")).toBe("tool://deploy");
  });

  const segment = fc.constantFrom("src", "lib", "a", "b", "test", "x.ts", "y.md", ".env");
  const globSegment = fc.constantFrom("*", "**", "*.ts", "?.md", "[ab]", "x.*", "{a,b}", "src", "a", "test");
  const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));
  const glob = fc.array(globSegment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));

  it("never misses an overlap picomatch can witness: a path matched by a glob overlaps it", () => {
    fc.assert(
      fc.property(path, glob, (p, g) => {
        if (picomatch(g, { dot: true })(p)) expect(patternsOverlap(p, g)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("is symmetric, and two globs matching a common witness path overlap", () => {
    fc.assert(
      fc.property(glob, glob, path, (g1, g2, p) => {
        expect(patternsOverlap(g1, g2)).toBe(patternsOverlap(g2, g1));
        const both = picomatch(g1, { dot: true })(p) && picomatch(g2, { dot: true })(p);
        if (both) expect(patternsOverlap(g1, g2)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("OverlapIndex", () => {
  const PATTERNS = [
    "src/**", "src/app.ts", "src", "src/*.ts", "docs/**", "docs/guide.md", "**/*.md", "*.json", "*", "**",
    "{src,docs}/**", "[sd]*/**", "tool://deploy", "tool://build", "service://db", "assets/*.png", "assets",
    "pkg1/mod3/**", "pkg1/mod3/file3.ts", "pkg2/mod3/*.ts", "README.md", "src/[ab]/*.ts", "?rc/x.ts",
  ].map(normalizePattern);

  it("finds exactly the patterns a full scan with patternsOverlap finds, in the order given", () => {
    const items = PATTERNS.map((pattern, id) => ({ id, pattern }));
    const index = new OverlapIndex(items, (item) => item.pattern);
    for (const probe of PATTERNS) {
      expect(index.overlapping(probe), probe).toEqual(items.filter((item) => patternsOverlap(probe, item.pattern)));
    }
  });

  it("agrees with a full scan on random patterns", () => {
    const segment = fc.constantFrom("src", "docs", "a", "b", "*", "**", "*.ts", "x?.md", "[ab]*", "{a,b}");
    const pattern = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => normalizePattern(parts.join("/")));
    fc.assert(
      fc.property(fc.array(pattern, { maxLength: 30 }), pattern, (patterns, probe) => {
        const items = patterns.map((p, id) => ({ id, pattern: p }));
        const index = new OverlapIndex(items, (item) => item.pattern);
        expect(index.overlapping(probe)).toEqual(items.filter((item) => patternsOverlap(probe, item.pattern)));
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * Decides whether two claim patterns can match a common path, symmetrically.
 *
 * Approach (and its limits):
 *  - Patterns are normalised first: `\` → `/`, leading `/` and `./` dropped, duplicate slashes collapsed.
 *  - Virtual resources (`tool://`, `service://`, `resource://`) overlap only with the identical string and never
 *    with file patterns.
 *  - A literal pattern (no glob syntax) names a file or a directory: `src` covers `src` and everything below it,
 *    like a gitignore entry.
 *  - Literal vs glob: picomatch decides (`dot: true`, so `src/**` covers `src/.env`); if the literal is a
 *    directory prefix, the segment check below decides whether anything under it matches.
 *  - Glob vs glob: both are brace-expanded, split into `/` segments and intersected segment by segment
 *    (`**` spans zero or more segments). Two segments intersect when a string exists that both match: one side
 *    literal → picomatch tests it against the other; both globs → a small automaton product over `*`, `?`,
 *    `[...]` and literal characters (classes are compared over printable ASCII).
 *  - Extglobs (`@(…)`, `!(…)`, `+(…)`), negations and brace ranges (`{1..9}`) are not intersected precisely:
 *    they are reported as overlapping. For advisory leases a false conflict is the safe mistake.
 */
import picomatch from "picomatch";

const VIRTUAL_SCHEMES = ["tool://", "service://", "resource://"] as const;

/** Upper bound on brace alternatives per pattern; beyond it we answer "may overlap". */
const MAX_BRACE_EXPANSIONS = 64;

const PICOMATCH_OPTIONS = { dot: true } as const;

export function isVirtualPattern(pattern: string): boolean {
  return VIRTUAL_SCHEMES.some((scheme) => pattern.startsWith(scheme));
}

/** The stored form of a claim pattern; virtual names are kept verbatim. */
export function normalizePattern(raw: string): string {
  const trimmed = raw.trim();
  if (isVirtualPattern(trimmed)) return trimmed;
  return trimmed
    .replace(/\\/g, "/")
    .replace(/\/{2,}/g, "/")
    .replace(/^(?:\.?\/)+/, "");
}

/** Bound on each memo below; they are cleared when full (patterns repeat a lot within one project). */
const CACHE_LIMIT = 20_000;

const globCache = new Map<string, boolean>();

export function isGlob(pattern: string): boolean {
  let glob = globCache.get(pattern);
  if (glob === undefined) {
    glob = picomatch.scan(pattern).isGlob;
    if (globCache.size >= CACHE_LIMIT) globCache.clear();
    globCache.set(pattern, glob);
  }
  return glob;
}

const prefixCache = new Map<string, string[]>();

/** The leading path segments that contain no glob syntax (`src/api/*.ts` → [src, api]). */
function staticPrefix(pattern: string): string[] {
  let prefix = prefixCache.get(pattern);
  if (!prefix) {
    prefix = [];
    for (const segment of pattern.split("/")) {
      if (isGlob(segment)) break;
      prefix.push(segment);
    }
    if (prefixCache.size >= CACHE_LIMIT) prefixCache.clear();
    prefixCache.set(pattern, prefix);
  }
  return prefix;
}

const overlapCache = new Map<string, boolean>();

const matcherCache = new Map<string, (path: string) => boolean>();

function matcher(glob: string): (path: string) => boolean {
  let fn = matcherCache.get(glob);
  if (!fn) {
    fn = picomatch(glob, PICOMATCH_OPTIONS);
    if (matcherCache.size > 5_000) matcherCache.clear();
    matcherCache.set(glob, fn);
  }
  return fn;
}

/** True when some path (or virtual name) can be claimed by both normalised patterns. */
export function patternsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  if (isVirtualPattern(a) || isVirtualPattern(b)) return false;
  // Cheap rejection first: literal leading segments must agree (a path matched by both starts with both).
  const prefixA = staticPrefix(a);
  const prefixB = staticPrefix(b);
  for (let i = 0; i < Math.min(prefixA.length, prefixB.length); i++) {
    if (prefixA[i] !== prefixB[i]) return false;
  }
  const key = a < b ? `${a}\0${b}` : `${b}\0${a}`;
  let known = overlapCache.get(key);
  if (known === undefined) {
    known = decideOverlap(a, b);
    if (overlapCache.size >= CACHE_LIMIT) overlapCache.clear();
    overlapCache.set(key, known);
  }
  return known;
}

/** The bucket of a normalised pattern: its first literal segment (a virtual name is its own); undefined when it starts with glob syntax. */
function bucketOf(pattern: string): string | undefined {
  if (isVirtualPattern(pattern)) return pattern;
  return staticPrefix(pattern)[0];
}

/**
 * Claims bucketed by their first literal segment: two patterns that both start with a literal segment can only
 * overlap when it is the same one, so a pattern is compared with its own bucket and the patterns that start with a
 * glob, not with every claim of the project (50 paths against 100 claims in 10 top-level directories: 5k pair
 * tests become about 500).
 */
export class OverlapIndex<T> {
  readonly #buckets = new Map<string, Array<[number, T]>>();
  readonly #unbucketed: Array<[number, T]> = [];
  readonly #all: Array<[number, T]>;

  constructor(
    items: readonly T[],
    private readonly patternOf: (item: T) => string,
  ) {
    this.#all = items.map((item, i) => [i, item]);
    for (const entry of this.#all) {
      const bucket = bucketOf(patternOf(entry[1]));
      if (bucket === undefined) this.#unbucketed.push(entry);
      else if (this.#buckets.has(bucket)) this.#buckets.get(bucket)!.push(entry);
      else this.#buckets.set(bucket, [entry]);
    }
  }

  /** The items whose pattern overlaps `pattern`, in the order they were given. */
  overlapping(pattern: string): T[] {
    const bucket = bucketOf(pattern);
    const candidates = bucket === undefined ? this.#all : [...(this.#buckets.get(bucket) ?? []), ...this.#unbucketed].sort((x, y) => x[0] - y[0]);
    return candidates.filter(([, item]) => patternsOverlap(pattern, this.patternOf(item))).map(([, item]) => item);
  }
}

function decideOverlap(a: string, b: string): boolean {
  const globA = isGlob(a);
  const globB = isGlob(b);
  if (!globA && !globB) return a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
  if (!globA) return literalOverlapsGlob(a, b);
  if (!globB) return literalOverlapsGlob(b, a);
  return globsOverlap(a, b);
}

function literalOverlapsGlob(literal: string, glob: string): boolean {
  if (matcher(glob)(literal)) return true;
  return globsOverlap(`${literal}/**`, glob);
}

function globsOverlap(a: string, b: string): boolean {
  if (isUnsupported(a) || isUnsupported(b)) return true;
  const alternativesA = expandBraces(a);
  const alternativesB = expandBraces(b);
  if (!alternativesA || !alternativesB) return true;
  for (const x of alternativesA) {
    for (const y of alternativesB) {
      if (segmentsOverlap(x.split("/"), y.split("/"))) return true;
    }
  }
  return false;
}

function isUnsupported(pattern: string): boolean {
  return /[@!+*?]\(/.test(pattern) || pattern.startsWith("!") || /\{[^{}]*\.\.[^{}]*\}/.test(pattern);
}

/** `a/{b,c}/d` → [`a/b/d`, `a/c/d`]; nested braces recurse. Undefined when there are too many alternatives. */
function expandBraces(pattern: string): string[] | undefined {
  const open = findUnescaped(pattern, "{", 0);
  if (open < 0) return [pattern];
  let depth = 0;
  let close = -1;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\") {
      i++;
      continue;
    }
    if (ch === "{") depth++;
    else if (ch === "}" && --depth === 0) {
      close = i;
      break;
    } else if (ch === "," && depth === 1) commas.push(i);
  }
  // An unbalanced or comma-less brace is literal text to picomatch; treat it the same way.
  if (close < 0 || commas.length === 0) return [pattern];
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const bounds = [open, ...commas, close];
  const out: string[] = [];
  for (let k = 0; k < bounds.length - 1; k++) {
    const expanded = expandBraces(head + pattern.slice(bounds[k]! + 1, bounds[k + 1]) + tail);
    if (!expanded) return undefined;
    out.push(...expanded);
    if (out.length > MAX_BRACE_EXPANSIONS) return undefined;
  }
  return out;
}

function findUnescaped(text: string, ch: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === ch) return i;
  }
  return -1;
}

/** Path-level product: `**` consumes zero or more segments of the other side. */
function segmentsOverlap(a: string[], b: string[]): boolean {
  const memo = new Map<number, boolean>();
  const visit = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (i < a.length && a[i] === "**") result = visit(i + 1, j) || (j < b.length && visit(i, j + 1));
    else if (j < b.length && b[j] === "**") result = visit(i, j + 1) || (i < a.length && visit(i + 1, j));
    else if (i === a.length || j === b.length) result = false;
    else result = segmentPairOverlaps(a[i]!, b[j]!) && visit(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return visit(0, 0);
}

function segmentPairOverlaps(x: string, y: string): boolean {
  const globX = isGlob(x);
  const globY = isGlob(y);
  if (!globX && !globY) return x === y;
  if (!globX) return matcher(y)(x);
  if (!globY) return matcher(x)(y);
  return tokensOverlap(tokenize(x), tokenize(y));
}

type Token = { kind: "star" } | { kind: "any" } | { kind: "char"; value: string } | { kind: "class"; glob: string };

function tokenize(segment: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!;
    if (ch === "\\" && i + 1 < segment.length) tokens.push({ kind: "char", value: segment[++i]! });
    else if (ch === "*") {
      if (tokens.at(-1)?.kind !== "star") tokens.push({ kind: "star" });
    } else if (ch === "?") tokens.push({ kind: "any" });
    else if (ch === "[") {
      const end = segment.indexOf("]", i + 2);
      if (end < 0) tokens.push({ kind: "char", value: ch });
      else {
        tokens.push({ kind: "class", glob: segment.slice(i, end + 1) });
        i = end;
      }
    } else tokens.push({ kind: "char", value: ch });
  }
  return tokens;
}

const PRINTABLE_ASCII = Array.from({ length: 95 }, (_, k) => String.fromCharCode(32 + k)).filter((c) => c !== "/");

function charsetOf(token: Token): Set<string> | "any" {
  if (token.kind === "any" || token.kind === "star") return "any";
  if (token.kind === "char") return new Set([token.value]);
  const test = matcher(token.glob);
  return new Set(PRINTABLE_ASCII.filter((c) => test(c)));
}

function singleCharsOverlap(x: Token, y: Token): boolean {
  const a = charsetOf(x);
  const b = charsetOf(y);
  if (a === "any") return b === "any" || b.size > 0;
  if (b === "any") return a.size > 0;
  for (const c of a) if (b.has(c)) return true;
  return false;
}

/** Is there a string matched by both token sequences? (product of two tiny NFAs, memoised) */
function tokensOverlap(a: Token[], b: Token[]): boolean {
  const memo = new Map<number, boolean>();
  const visit = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    memo.set(key, false);
    let result: boolean;
    const x = a[i];
    const y = b[j];
    if (!x && !y) result = true;
    else if (x?.kind === "star") result = visit(i + 1, j) || (y !== undefined && visit(i, j + 1));
    else if (y?.kind === "star") result = visit(i, j + 1) || (x !== undefined && visit(i + 1, j));
    else if (!x || !y) result = false;
    else result = singleCharsOverlap(x, y) && visit(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return visit(0, 0);
}

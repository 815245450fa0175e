/**
 * fast-check arbitraries for hostile input: values shaped by a tool's published JSON Schema, with the
 * nasty cases mixed in (CR/LF, NUL and control characters, SQL/FTS5 metacharacters, path traversal,
 * huge strings, wrong types, deep nesting).
 */
import fc from "fast-check";

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
}

const NASTY_STRINGS = [
  "",
  " ",
  "\r\nBcc: victim@example.com",
  "subject\r\n\r\n<html>",
  "\u0000\u0001\u001f\u007f",
  "'; DROP TABLE projects; --",
  '" OR 1=1 --',
  "NEAR(a b, -1) AND * OR \"unbalanced",
  "POL-358",
  "***",
  "../../../../etc/passwd",
  "..\\..\\windows\\system32",
  "/%2e%2e/%2e%2e/",
  "javascript:alert(1)",
  "<script>alert(1)</script>",
  "http://169.254.169.254/latest/meta-data/",
  "\u202e\u2066evil",
  "💣".repeat(500),
  "a".repeat(100_000),
  "all",
  "claude-code",
  "someone@example.com",
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 64 }) },
  { weight: 1, arbitrary: fc.constantFrom("/abs/path", "/tmp/fuzz-project", "GreenCastle", "2026-01-01T00:00:00Z") },
);

const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.constant(Number.MAX_SAFE_INTEGER),
  fc.constant(-1),
);

function valueFor(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (depth > 4) return wrongType;
  if (schema.const !== undefined) return fc.oneof(fc.constant(schema.const), hostileString);
  if (schema.enum) return fc.oneof(fc.constantFrom(...schema.enum), hostileString);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants && variants.length > 0) return fc.oneof(...variants.map((v) => valueFor(v, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      return hostileString;
    case "integer":
    case "number":
      return fc.oneof(fc.integer({ min: -10, max: 10_000 }), fc.constantFrom(0, -1, 1e12, 0.5), wrongType);
    case "boolean":
      return fc.oneof(fc.boolean(), wrongType);
    case "array":
      return fc.oneof(
        fc.array(valueFor(schema.items ?? {}, depth + 1), { maxLength: 5 }),
        fc.constant(Array.from({ length: 10_000 }, (_, i) => `agent${i}`)),
        wrongType,
      );
    case "object":
      return objectFor(schema, depth + 1);
    default:
      return fc.oneof(hostileString, wrongType);
  }
}

function objectFor(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const props = Object.entries(schema.properties ?? {});
  if (props.length === 0) return fc.oneof(fc.constant({}), fc.dictionary(fc.string({ maxLength: 8 }), wrongType, { maxKeys: 3 }));
  const record = fc.record(
    Object.fromEntries(props.map(([name, prop]) => [name, valueFor(prop, depth)])),
    { requiredKeys: [] },
  );
  return fc.oneof({ weight: 5, arbitrary: record }, { weight: 1, arbitrary: wrongType });
}

/** Arguments for a tool: mostly schema-shaped objects full of hostile values, sometimes not objects at all. */
export function argumentsFor(inputSchema: JsonSchema): fc.Arbitrary<unknown> {
  const variants = inputSchema.anyOf ?? inputSchema.oneOf;
  if (variants && !inputSchema.properties) return fc.oneof(...variants.map((v) => objectFor(v, 0)));
  return objectFor(inputSchema, 0);
}

/** Things that must never reach a caller: stack frames, file paths, SQL engine and binding internals. */
export const LEAK_PATTERNS: RegExp[] = [
  /\bat [\w$.<>]+ \(/,
  /\.(ts|js|mjs):\d+/,
  /node_modules/,
  /SQLITE_/,
  /D1_ERROR/,
  /\bsqlite\b/i,
  /workerd/,
  /TypeError|ReferenceError|SyntaxError/,
];

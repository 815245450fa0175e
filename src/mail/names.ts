/**
 * Agent name policy. Generated names are CamelCase adjective+noun from fixed lists (`GreenCastle`).
 * Explicit ids such as `alpha-one`, `cc-0`, `worker_42` are accepted verbatim. Anything that reads as a
 * role description (`BackendHarmonizer`), a program or model (`claude-code`, `gpt-5`), an email address
 * or a broadcast word (`all`) is never registered as given: the caller gets a generated name and a warning
 * (coerce mode), because such names collide across sessions and mislead whoever addresses them.
 */

const ADJECTIVES = [
  "Amber", "Azure", "Bold", "Brave", "Bright", "Blue", "Brisk", "Calm", "Clever", "Cobalt", "Copper", "Coral",
  "Crimson", "Crisp", "Dapper", "Eager", "Emerald", "Fair", "Fast", "Fierce", "Gentle", "Golden", "Grand",
  "Green", "Happy", "Hazel", "Honest", "Indigo", "Ivory", "Jade", "Jolly", "Keen", "Kind", "Lively", "Lucky",
  "Lunar", "Mellow", "Misty", "Noble", "Olive", "Orange", "Pearl", "Plucky", "Proud", "Purple", "Quick",
  "Quiet", "Rapid", "Red", "Rosy", "Ruby", "Rustic", "Sage", "Scarlet", "Silver", "Sly", "Solar", "Steady",
  "Sunny", "Swift", "Tidy", "Topaz", "Violet", "Wild", "Wise", "Witty", "Young",
] as const;

const NOUNS = [
  "Anchor", "Badger", "Beacon", "Bear", "Brook", "Canyon", "Castle", "Cedar", "Cliff", "Cloud", "Comet",
  "Crane", "Creek", "Dawn", "Delta", "Dune", "Eagle", "Ember", "Falcon", "Fern", "Field", "Finch", "Fjord",
  "Forest", "Fox", "Glade", "Grove", "Harbor", "Hawk", "Heron", "Hill", "Island", "Lake", "Lantern", "Lark",
  "Meadow", "Mesa", "Mountain", "Oak", "Otter", "Owl", "Peak", "Pine", "Pond", "Prairie", "Raven", "Reef",
  "Ridge", "River", "Robin", "Sparrow", "Spring", "Star", "Stone", "Summit", "Tiger", "Tower", "Valley",
  "Willow", "Wolf", "Wren",
] as const;

const ADJECTIVE_KEYS = new Set(ADJECTIVES.map((a) => a.toLowerCase()));
const NOUN_KEYS = new Set(NOUNS.map((n) => n.toLowerCase()));

/** Words people type when they mean "everybody"; never agent names. */
const BROADCAST_WORDS = new Set(["all", "everyone", "everybody", "anyone", "*", "@all", "@everyone", "broadcast", "all-agents"]);

/** Agent CLIs and their vendors' model families: a program is not an identity. */
const PROGRAM_NAMES = new Set([
  "claude", "claude-code", "claudecode", "codex", "codex-cli", "cursor", "cursor-agent", "gemini", "gemini-cli",
  "copilot", "github-copilot", "cline", "windsurf", "opencode", "aider", "amp", "droid", "factory", "goose",
  "kiro", "roo", "roo-code", "continue", "zed", "opus", "sonnet", "haiku", "o1", "o3", "o3-mini", "o4-mini",
]);
const MODEL_PATTERN = /^(gpt|claude|gemini|llama|mistral|mixtral|qwen|deepseek|grok|codex)([-._ ]|\d)/i;

export const EXPLICIT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type NameMistake = "broadcast" | "program" | "email";

/** What kind of mistake a recipient or agent name is, if it is one (broadcast word, program/model, email). */
export function nameMistake(raw: string): NameMistake | undefined {
  const name = raw.trim().toLowerCase();
  if (BROADCAST_WORDS.has(name)) return "broadcast";
  if (EMAIL_PATTERN.test(name)) return "email";
  if (PROGRAM_NAMES.has(name) || MODEL_PATTERN.test(name)) return "program";
  return undefined;
}

/** True for names built from the fixed lists, in any casing (`BlueLake`, `bluelake`). */
export function isGeneratedStyleName(name: string): boolean {
  const match = /^([A-Za-z]+?)([A-Za-z]+)$/.exec(name);
  if (!match) return false;
  const lower = name.toLowerCase();
  for (const adjective of ADJECTIVE_KEYS) {
    if (lower.startsWith(adjective) && NOUN_KEYS.has(lower.slice(adjective.length))) return true;
  }
  return false;
}

export type NameDecision = { accepted: true; name: string } | { accepted: false; reason: string };

/**
 * Decides whether a requested name is registered verbatim. Accepted: adjective+noun from the lists, or an
 * explicit id with a digit or separator (`alpha-one`, `cc-0`). Everything else is refused with the reason
 * the caller will read in `warnings`.
 */
export function decideName(requested: string): NameDecision {
  const name = requested.trim();
  const mistake = nameMistake(name);
  if (mistake === "broadcast") return { accepted: false, reason: `"${clip(name)}" is a broadcast word, not a name` };
  if (mistake === "email") return { accepted: false, reason: `"${clip(name)}" is an email address, not an agent name` };
  if (mistake === "program") return { accepted: false, reason: `"${clip(name)}" names a program or model, not an agent` };
  if (!EXPLICIT_ID_PATTERN.test(name)) {
    return { accepted: false, reason: `"${clip(name)}" is not a valid name (letters, digits, '-', '_', '.'; at most 128)` };
  }
  if (isGeneratedStyleName(name) || /[0-9._-]/.test(name)) return { accepted: true, name };
  return { accepted: false, reason: `"${clip(name)}" reads as a description; use an adjective+noun name or an explicit id like alpha-one` };
}

/** A random adjective+noun name; callers retry on collision. */
export function generateName(): string {
  const [a, b] = crypto.getRandomValues(new Uint32Array(2));
  return `${ADJECTIVES[a! % ADJECTIVES.length]}${NOUNS[b! % NOUNS.length]}`;
}

export function nameKeyOf(name: string): string {
  return name.trim().toLowerCase();
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

/**
 * Markdown → HTML for message bodies, safe to put in a page. Two layers:
 *  1. escape-then-render: marked's renderer is overridden so raw HTML in the source is shown as text,
 *     links keep only http(s)/mailto/relative targets, and images become plain links (no remote loads);
 *  2. a strict allow-list check of the result: every tag and attribute must be one this renderer
 *     emits; anything else means a renderer bug, and the whole body is shown escaped instead (fail closed).
 */
import { Marked, type Tokens } from "marked";

const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** The href to emit, or undefined when the target could run code or is unparsable. */
export function safeHref(href: string): string | undefined {
  const trimmed = href.trim();
  if (trimmed === "") return undefined;
  // Relative targets (path, query, fragment) stay on this origin; "//host" is an absolute URL in disguise.
  if (/^[/?#]/.test(trimmed) && !trimmed.startsWith("//") && !trimmed.startsWith("/\\")) return trimmed;
  try {
    // The URL parser strips tabs/newlines and lower-cases the scheme exactly as a browser would.
    return SAFE_PROTOCOLS.has(new URL(trimmed).protocol) ? trimmed : undefined;
  } catch {
    return undefined;
  }
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(text);
    },
    link({ href, title, tokens }: Tokens.Link) {
      const label = this.parser.parseInline(tokens);
      const target = safeHref(href);
      if (target === undefined) return label;
      const titleAttr = title ? ` title="${escapeHtml(title)}"` : "";
      return `<a href="${escapeHtml(target)}"${titleAttr} rel="noopener noreferrer nofollow">${label}</a>`;
    },
    image({ href, text }: Tokens.Image) {
      const target = safeHref(href);
      const label = escapeHtml(`[image: ${text || "untitled"}]`);
      return target === undefined ? label : `<a href="${escapeHtml(target)}" rel="noopener noreferrer nofollow">${label}</a>`;
    },
  },
});

/** Tags the renderer emits, with the attributes each may carry (value checks below). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  p: [], br: [], hr: [], h1: [], h2: [], h3: [], h4: [], h5: [], h6: [],
  strong: [], em: [], del: [], code: ["class"], pre: [], blockquote: [],
  ul: [], ol: ["start"], li: [], a: ["href", "title", "rel"],
  table: [], thead: [], tbody: [], tr: [], th: ["align"], td: ["align"], input: ["type", "checked", "disabled"],
};

const TAG = /<(\/?)([a-zA-Z0-9]+)((?:\s+[a-zA-Z-]+(?:="[^"]*")?)*)\s*\/?>/g;
const ATTRIBUTE = /\s+([a-zA-Z-]+)(?:="([^"]*)")?/g;

function attributeOk(tag: string, name: string, value: string | undefined): boolean {
  if (!ALLOWED[tag]?.includes(name)) return false;
  switch (name) {
    case "href":
      return value !== undefined && safeHref(decodeEntities(value)) !== undefined;
    case "class":
      return value !== undefined && /^language-[\w+#.-]*$/.test(value);
    case "type":
      return value === "checkbox";
    case "align":
      return value === "left" || value === "right" || value === "center";
    case "start":
      return value !== undefined && /^\d+$/.test(value);
    default:
      return true;
  }
}

function decodeEntities(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** True when every `<` in the HTML opens an allowed tag with allowed attributes. */
export function onlyAllowedMarkup(html: string): boolean {
  let tags = 0;
  for (const match of html.matchAll(TAG)) {
    tags++;
    const tag = match[2]!.toLowerCase();
    if (!(tag in ALLOWED)) return false;
    for (const attr of (match[3] ?? "").matchAll(ATTRIBUTE)) {
      if (!attributeOk(tag, attr[1]!.toLowerCase(), attr[2])) return false;
    }
  }
  // A "<" that did not open a recognised tag is markup the pattern could not vet.
  return (html.match(/</g) ?? []).length === tags;
}

/** Renders untrusted markdown to HTML that contains no script, event handler or javascript: URL. */
export function renderMarkdown(source: string): string {
  const html = marked.parse(source) as string;
  return onlyAllowedMarkup(html) ? html : `<pre>${escapeHtml(source)}</pre>`;
}

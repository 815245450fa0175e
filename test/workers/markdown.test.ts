/** The dashboard's markdown renderer: escape-then-render plus the allow-list check (browser tests cover the DOM). */
import { describe, expect, it } from "vitest";
import { onlyAllowedMarkup, renderMarkdown, safeHref } from "../../src/web/markdown";

describe("renderMarkdown", () => {
  it("keeps ordinary markdown: headings, emphasis, code, tables, task lists and http links", () => {
    const html = renderMarkdown("# T\n\n**b** `c` [x](https://ex.test/a?b=1&c=2)\n\n| a |\n|:-|\n| 1 |\n\n- [x] done");
    expect(html).toContain("<h1>T</h1>");
    expect(html).toContain("<strong>b</strong> <code>c</code>");
    expect(html).toContain('<a href="https://ex.test/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">x</a>');
    expect(html).toContain('<th align="left">a</th>');
    expect(html).toContain('<input checked="" disabled="" type="checkbox">');
  });

  it("shows raw HTML as text", () => {
    expect(renderMarkdown(`<img src=x onerror="alert(1)"> <script>alert(2)</script>`)).not.toMatch(/<img|<script/);
  });

  it("drops javascript:, data: and protocol-relative link targets, keeping the label", () => {
    for (const target of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,x", "//evil.test", "vbscript:x"]) {
      expect(renderMarkdown(`[label](${target})`), target).toBe("<p>label</p>\n");
    }
  });

  it("turns images into links, so reading a message loads nothing remote", () => {
    expect(renderMarkdown("![logo](https://ex.test/l.png)")).toBe(
      '<p><a href="https://ex.test/l.png" rel="noopener noreferrer nofollow">[image: logo]</a></p>\n',
    );
  });
});

describe("allow-list check", () => {
  it("accepts what the renderer emits and rejects anything else", () => {
    expect(onlyAllowedMarkup('<p><a href="https://x.test" rel="nofollow">x</a></p>')).toBe(true);
    expect(onlyAllowedMarkup('<p onclick="x">x</p>')).toBe(false);
    expect(onlyAllowedMarkup('<a href="jav&#x61;script:alert(1)">x</a>')).toBe(false);
    expect(onlyAllowedMarkup("<svg></svg>")).toBe(false);
    expect(onlyAllowedMarkup('<code class="language-js x" >y</code>')).toBe(false);
  });
});

describe("safeHref", () => {
  it("allows http(s), mailto and same-origin relative targets only", () => {
    expect(safeHref("https://ex.test")).toBe("https://ex.test");
    expect(safeHref("mailto:a@ex.test")).toBe("mailto:a@ex.test");
    expect(safeHref("/dashboard/x")).toBe("/dashboard/x");
    expect(safeHref("#anchor")).toBe("#anchor");
    expect(safeHref("/\\evil.test")).toBeUndefined();
    expect(safeHref("java\tscript:alert(1)")).toBeUndefined();
  });
});

/** docs/TOOLS.md is generated from tools/list; this fails when someone changes a tool without regenerating. */
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { renderToolDocs, TOOL_DOCS_PATH } from "../../scripts/tool-docs";
import { connectMcp } from "../support/mcp";

describe("tool reference", () => {
  it("matches what the server publishes (regenerate with: npx tsx scripts/tool-docs.ts)", async () => {
    const { url, token } = inject("worker");
    const client = await connectMcp(url, token);
    const { tools } = await client.listTools();
    await client.close();
    expect(readFileSync(TOOL_DOCS_PATH, "utf8")).toBe(renderToolDocs(tools));
  });
});

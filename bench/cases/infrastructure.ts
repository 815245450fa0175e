/** Foundation cases: the MCP round trip floor and the cheapest write. */
import type { BenchCase } from "../lib";

export const ensureProjectCase: BenchCase = {
  name: "ensure_project (existing)",
  target: "informational",
  async setup({ client }) {
    const args = { name: "ensure_project", arguments: { human_key: "/bench/ensure" } };
    await client.callTool(args);
    return () => client.callTool(args);
  },
};

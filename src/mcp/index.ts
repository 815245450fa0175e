export { mcpRoutes } from "./route";
export { TOOLS } from "./tools";
export { publishedInputSchema } from "./server";

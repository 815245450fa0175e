export { webRoutes } from "./router";
export { authorizeRoutes } from "./routes/authorize";

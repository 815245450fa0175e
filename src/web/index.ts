export { webRoutes } from "./router";
export { authorizeRoutes } from "./routes/authorize";
export { renderMarkdown, escapeHtml, safeHref } from "./markdown";
export { contentSecurityPolicy, pageSecurityHeaders } from "./security-headers";
export { csrfProtection, CSRF_FIELD } from "./csrf";
export { readSession } from "./session";

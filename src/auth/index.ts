export { requireBearer, bearerTokenOf } from "./bearer";
export { requireTrustedOrigin, requireServedHost, isServedHost, allowedOrigins } from "./origin";

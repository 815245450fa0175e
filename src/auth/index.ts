export { requireBearer, bearerTokenOf } from "./bearer";
export { requireTrustedOrigin, allowedOrigins } from "./origin";

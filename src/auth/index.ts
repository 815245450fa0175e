export { requireBearer, requireBearerOrBasic, bearerTokenOf, basicPasswordOf, authenticate } from "./bearer";
export { requireTrustedOrigin, requireServedHost, isServedHost, allowedOrigins } from "./origin";
export { authorizeCalls, rpcCallsOf, type RpcCall } from "./rbac";
export { enforceRateLimits, RateLimiter } from "./rate-limiter";
export { expectedAudience } from "./jwt";
export type { Principal, Role } from "./principal";

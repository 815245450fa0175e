export { requireBearer, requireBearerOrBasic, bearerTokenOf, basicPasswordOf, authenticate } from "./bearer";
export {
  requireMcpAuth,
  serveOAuthEndpoint,
  serveRootResourceMetadata,
  insufficientScopeChallenge,
  purgeExpiredOAuthData,
  oauthApi,
  canonicalRequest,
  OAUTH_SCOPES,
  type GrantProps,
} from "./oauth";
export { requireTrustedOrigin, requireServedHost, isServedHost, allowedOrigins } from "./origin";
export { authorizeCalls, rpcCallsOf, type RpcCall } from "./rbac";
export {
  enforceRateLimits,
  checkCredentialAttempts,
  recordFailedCredentialAttempt,
  RateLimiter,
} from "./rate-limiter";
export { expectedAudience } from "./jwt";
export type { Principal, Role, BoundAgent } from "./principal";

export { requireBearer, requireBearerOrBasic, bearerTokenOf, basicPasswordOf } from "./bearer";
export { requireTrustedOrigin, allowedOrigins } from "./origin";

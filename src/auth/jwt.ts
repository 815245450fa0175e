/**
 * JWT bearer verification: HS256 with a shared secret, or asymmetric keys from a JWKS URL (keys cached
 * per isolate by jose and refetched on an unknown `kid`). `aud`, `iss` and `exp` are always checked; the
 * `role` claim (reader | writer) decides what the caller may do, and a token without one is a reader.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { AppError } from "../shared/errors";
import type { Principal, Role } from "./principal";

/** Leeway for clock skew between the issuer and us. */
const CLOCK_TOLERANCE_SECONDS = 30;

const jwksCache = new Map<string, JWTVerifyGetKey>();

export function jwtConfigured(env: Env): boolean {
  return Boolean(env.JWT_SECRET || env.JWT_JWKS_URL);
}

export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** The audience tokens must be issued for: JWT_AUDIENCE, else this deployment's /mcp URL. */
export function expectedAudience(env: Env): string {
  return env.JWT_AUDIENCE || new URL("/mcp", env.PUBLIC_BASE_URL).toString();
}

export async function verifyJwt(env: Env, token: string): Promise<Principal> {
  const options = {
    audience: expectedAudience(env),
    issuer: env.JWT_ISSUER || undefined,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ["exp"],
  };
  let payload: JWTPayload;
  try {
    payload = env.JWT_JWKS_URL
      ? (await jwtVerify(token, jwksFor(env.JWT_JWKS_URL), options)).payload
      : (await jwtVerify(token, new TextEncoder().encode(env.JWT_SECRET), { ...options, algorithms: ["HS256"] })).payload;
  } catch (err) {
    throw new AppError("AUTHENTICATION_REQUIRED", `Invalid bearer JWT (${reasonOf(err)}).`, undefined, { cause: err });
  }
  return {
    kind: "jwt",
    id: `jwt:${payload.iss ?? ""}:${payload.sub ?? ""}`,
    role: roleOf(payload),
    ...(payload.sub === undefined ? {} : { subject: payload.sub }),
  };
}

function jwksFor(url: string): JWTVerifyGetKey {
  let getKey = jwksCache.get(url);
  if (!getKey) {
    getKey = createRemoteJWKSet(new URL(url));
    jwksCache.set(url, getKey);
  }
  return getKey;
}

function roleOf(payload: JWTPayload): Role {
  const role = payload.role ?? payload["pigeonhole_role"];
  return role === "writer" ? "writer" : "reader";
}

/** jose's error codes are stable and safe to show; anything else is summarised. */
function reasonOf(err: unknown): string {
  const code = (err as { code?: string }).code;
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return "expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return `claim check failed: ${(err as { claim?: string }).claim ?? "unknown"}`;
    case "ERR_JWKS_NO_MATCHING_KEY":
      return "no key matches its kid";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "bad signature";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "algorithm not allowed";
    default:
      return "malformed or unverifiable";
  }
}

/** Identifier helpers shared by several contexts. */

/** A random id for correlating a request's logs with the INTERNAL error a caller saw. */
export function newRequestId(): string {
  return crypto.randomUUID();
}

/** 32 random bytes as base64url: registration tokens, secrets generated at run time. */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function base64url(data: Uint8Array): string {
  let binary = "";
  for (const byte of data) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Global setup: a JWKS endpoint on loopback with one RSA key, as an identity provider would serve it. */
import { createServer } from "node:http";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import type { TestProject } from "vitest/node";

export interface JwksFixture {
  url: string;
  kid: string;
  /** the private key, so tests can sign tokens the server must accept */
  privateJwk: JWK;
}

declare module "vitest" {
  interface ProvidedContext {
    jwks: JwksFixture;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kid = "test-key-1";
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  project.provide("jwks", {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: "RS256" },
  });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Who is calling: the result of authenticating a request's bearer credential. */

export type Role = "reader" | "writer";

export interface Principal {
  /** static: the deployment token; jwt: a verified JWT; oauth: a token this Worker issued to a connector */
  kind: "static" | "jwt" | "oauth";
  /** Stable, non-secret id of the credential; the rate-limit key. */
  id: string;
  role: Role;
  /** JWT subject or OAuth client id, when there is one. */
  subject?: string;
}

/** Who is calling: the result of authenticating a request's bearer credential. */

export type Role = "reader" | "writer";

export interface Principal {
  kind: "static" | "jwt";
  /** Stable, non-secret id of the credential; the rate-limit key. */
  id: string;
  role: Role;
  /** JWT subject, when there is one. */
  subject?: string;
}

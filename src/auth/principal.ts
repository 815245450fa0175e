/** Who is calling: the result of authenticating a request's bearer credential. */

export type Role = "reader" | "writer";

export interface Principal {
  /**
   * static: the deployment token; jwt: a verified JWT; oauth: a token this Worker issued to a connector;
   * agent: an agent's registration token, which binds every call on the connection to that agent.
   */
  kind: "static" | "jwt" | "oauth" | "agent";
  /** Stable, non-secret id of the credential; the rate-limit key. */
  id: string;
  role: Role;
  /** JWT subject or OAuth client id, when there is one. */
  subject?: string;
  /** Set for kind "agent". */
  agent?: BoundAgent;
}

/** The agent an agent-bound credential acts as (kind "agent" only). */
export interface BoundAgent {
  projectId: number;
  projectSlug: string;
  projectHumanKey: string;
  agentId: number;
  name: string;
}

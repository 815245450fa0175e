/** The Hono environment shared by every router: Worker bindings plus per-request variables. */
import type { Principal } from "./auth/principal";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Set by requireBearer on authenticated routes. */
    principal: Principal;
  };
}

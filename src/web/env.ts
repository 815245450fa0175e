/** The Hono environment of the dashboard: the app's, plus the session and the CSRF token of this request. */
import type { AppEnv } from "../app-env";
import type { Session } from "./session";

export interface WebEnv {
  Bindings: Env;
  Variables: AppEnv["Variables"] & {
    /** Set by csrfProtection on every dashboard request; every form carries it as `_csrf`. */
    csrfToken: string;
    /** Set when the browser holds a valid session cookie. */
    session: Session | undefined;
  };
}

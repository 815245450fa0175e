/** The dashboard's error handler: the HTML twin of app.ts's JSON mapper (same types, same statuses). */
import type { Context } from "hono";
import { httpStatusOf, toWireError } from "../shared/errors";
import { newRequestId } from "../shared/ids";
import type { WebEnv } from "./env";
import { ErrorPage } from "./pages/layout";

export function renderError(err: Error, c: Context<WebEnv>): Response | Promise<Response> {
  const error = toWireError(err, c.get("requestId") ?? newRequestId());
  const status = httpStatusOf(error.type) as 400;
  const retryAfter = error.details?.retry_after_seconds;
  if (typeof retryAfter === "number") c.header("Retry-After", String(retryAfter));
  const page = <ErrorPage title={titleOf(status)} message={error.message} csrfToken={c.get("csrfToken") ?? ""} session={c.get("session")} />;
  return c.html(page, status);
}

function titleOf(status: number): string {
  if (status === 401) return "Log in required";
  if (status === 403) return "Forbidden";
  if (status === 404) return "Not found";
  if (status === 429) return "Slow down";
  return status >= 500 ? "Something went wrong" : "Cannot do that";
}

/**
 * resource:// URIs parsed by hand: the SDK's template matcher wants query parameters in template order
 * and all present, while clients send them in any order and leave optional ones out. A query string that
 * a client glued into the path segment (`inbox/Name%3Fproject%3Dx`) is recovered too.
 */
import { AppError } from "../../shared/errors";

export interface ParsedResourceUri {
  /** `inbox`, `views/ack-required`, `tooling/directory`… */
  route: string;
  /** The path value after the route (agent, id, project…), decoded; "" for fixed resources. */
  value: string;
  params: URLSearchParams;
}

/** Routes whose first two path segments name them; everything else is named by its first segment. */
const TWO_SEGMENT_ROUTES = new Set(["views", "tooling", "config"]);

export function parseResourceUri(uri: string): ParsedResourceUri {
  const match = /^resource:\/\/([^?#]*)(?:\?([^#]*))?/.exec(uri);
  if (!match) {
    throw new AppError("INVALID_ARGUMENT", `Resource URIs start with resource://; got ${JSON.stringify(uri.slice(0, 200))}.`, { uri: uri.slice(0, 200) });
  }
  let path = match[1]!;
  let query = match[2] ?? "";
  const decodedPath = safeDecode(path);
  // A query encoded into the path: split it back out.
  if (query === "" && decodedPath.includes("?")) {
    const at = decodedPath.indexOf("?");
    query = decodedPath.slice(at + 1);
    path = decodedPath.slice(0, at);
  }
  const segments = path.split("/");
  const head = segments[0] ?? "";
  const routeLength = TWO_SEGMENT_ROUTES.has(head) ? 2 : 1;
  const route = segments.slice(0, routeLength).join("/");
  const value = safeDecode(segments.slice(routeLength).join("/"));
  return { route, value, params: new URLSearchParams(query) };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function stringParam(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === "" ? undefined : value;
}

export function requiredParam(params: URLSearchParams, name: string, example: string): string {
  const value = stringParam(params, name);
  if (value === undefined) {
    throw new AppError("INVALID_ARGUMENT", `The ${name} parameter is required, e.g. ${example}.`, { field: name });
  }
  return value;
}

export function boolParam(params: URLSearchParams, name: string): boolean | undefined {
  const value = stringParam(params, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw new AppError("INVALID_ARGUMENT", `${name} must be true or false; got ${JSON.stringify(value.slice(0, 20))}.`, { field: name });
}

export function intParam(params: URLSearchParams, name: string): number | undefined {
  const value = stringParam(params, name);
  if (value === undefined) return undefined;
  if (!/^-?\d{1,9}$/.test(value)) {
    throw new AppError(name === "limit" ? "INVALID_LIMIT" : "INVALID_ARGUMENT", `${name} must be a whole number; got ${JSON.stringify(value.slice(0, 20))}.`, {
      field: name,
    });
  }
  return Number(value);
}

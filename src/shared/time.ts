/** Time helpers: every timestamp on the wire is ISO-8601 UTC. */
import { AppError } from "./errors";

export function nowIso(): string {
  return new Date().toISOString();
}

/** Parses an ISO-8601 input (`since_ts`…) or throws INVALID_TIMESTAMP naming the field. */
export function parseIsoTimestamp(value: string, field: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
  const date = new Date(value);
  if (!iso.test(value) || Number.isNaN(date.getTime())) {
    throw new AppError(
      "INVALID_TIMESTAMP",
      `${field} must be an ISO-8601 timestamp such as 2026-01-31T12:00:00Z; got ${JSON.stringify(value.slice(0, 64))}.`,
      { field },
    );
  }
  return date;
}

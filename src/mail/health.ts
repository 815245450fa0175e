/** Liveness of the service itself, as reported by the health_check tool. */
import { nowIso } from "../shared/time";

export const SERVICE_VERSION = "0.1.0";

export interface HealthReport {
  status: "ok";
  version: string;
  time: string;
}

export function healthReport(): HealthReport {
  return { status: "ok", version: SERVICE_VERSION, time: nowIso() };
}

/** Readiness: the database answers a trivial query. */
export async function databaseReady(d1: D1Database): Promise<boolean> {
  try {
    await d1.prepare("SELECT 1").first();
    return true;
  } catch {
    return false;
  }
}

export { ensureProject, resolveProject, slugify, isAbsolutePath, type Project } from "./projects";
export { healthReport, databaseReady, SERVICE_VERSION, type HealthReport } from "./health";

export { ensureProject, resolveProject, listProjects, slugify, isAbsolutePath, type Project } from "./projects";
export { healthReport, databaseReady, SERVICE_VERSION, type HealthReport } from "./health";

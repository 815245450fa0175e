export { ProjectCoordinator } from "./project-coordinator";

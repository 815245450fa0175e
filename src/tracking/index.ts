export { trackingRoutes } from "./routes";
export { consumeTrackingEvents } from "./consumer";
export { classifyAgent, type AgentClass, type AgentVerdict } from "./agents";
export { trackingEvent, trackingEventSchema, type TrackingEvent } from "./events";

/** Tracking context: public click/open/unsubscribe routes and the tracking-events queue consumer. */
export { trackingRoutes } from "./routes";
export { consumeTrackingEvents } from "./consumer";
export { classifyAgent, type AgentClass, type AgentVerdict } from "./agents";
export { trackingEvent, trackingEventSchema, type TrackingEvent } from "./events";

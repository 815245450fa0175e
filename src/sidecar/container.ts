/**
 * The Durable Object that fronts the sidecar container in production (Cloudflare Containers).
 * It starts the container on demand and forwards HTTP to the sidecar's port. Locally and in tests the
 * sidecar is a plain Node process reached through SIDECAR_URL instead, so this class is never hit there.
 */
import { DurableObject } from "cloudflare:workers";

/** The port the sidecar's HTTP server listens on inside the container. */
const SIDECAR_PORT = 8080;

export class SidecarContainer extends DurableObject<Env> {
  override async fetch(request: Request): Promise<Response> {
    const container = this.ctx.container;
    if (!container) {
      return Response.json(
        { error: { type: "UNAVAILABLE", message: "Containers are not enabled here; set SIDECAR_URL." } },
        { status: 503 },
      );
    }
    // The sidecar checks this secret on every request; it reaches the container only as a start-up variable.
    if (!container.running) {
      container.start({ enableInternet: true, env: { SIDECAR_SHARED_SECRET: this.env.SIDECAR_SHARED_SECRET } });
    }
    return container.getTcpPort(SIDECAR_PORT).fetch(request);
  }
}

/**
 * Sidecar entrypoint: `tsx src/sidecar/main.ts` locally; the container image runs an esbuild bundle of
 * this file. Prints one JSON line with the bound port once listening (the test rig waits for it) and
 * closes on SIGTERM (containers get SIGTERM, then SIGKILL after a grace period).
 */
import { readConfig } from "./config";
import { createSidecarServer } from "./server";

const config = readConfig(process.env);
const server = createSidecarServer(config);

server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  console.log(JSON.stringify({ level: "info", msg: "sidecar listening", host: config.host, port }));
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}

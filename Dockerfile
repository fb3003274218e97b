# syntax=docker/dockerfile:1
# The bridge tier (bridge/ plus the shared src/), shipped as the JavaScript `npm run build:bridge`
# bundles (scripts/build-bridge.ts: main.mjs and the chunks it loads on first use): no type
# stripping and no module resolution at start-up, no node_modules but bull-board's UI files, which
# it reads from disk.
#
# BASE_IMAGE is the official Node 24 slim image in production. Offline, scripts/container-build.sh
# passes the local stand-in from scripts/container-base.sh (Debian minbase + the same Node + npm,
# the same `node` user), so the two images differ only in this base layer.
ARG BASE_IMAGE=docker.io/library/node:24-slim

FROM ${BASE_IMAGE} AS build
# Extra CAs for npm (a TLS-inspecting proxy in front of the registry): scripts/container-build.sh
# passes the host's NODE_EXTRA_CA_CERTS when set. Only this stage sees it; it is not shipped.
ARG NODE_EXTRA_CA_CERTS
WORKDIR /app
COPY package.json package-lock.json ./
# Dev dependencies too: esbuild bundles. Only the bundle and the UI files leave this stage.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/build-bridge.ts ./scripts/
COPY bridge ./bridge
COPY src ./src
RUN npm run build:bridge

FROM ${BASE_IMAGE}
ENV NODE_ENV=production PORT=3019
WORKDIR /app
COPY --from=build /app/dist/bridge ./dist/bridge
COPY --from=build /app/node_modules/@bull-board/ui ./node_modules/@bull-board/ui
# Code stays root-owned: the process can read it, not change it.
USER node
EXPOSE 3019
# SIGTERM drains in-flight jobs for BRIDGE_SHUTDOWN_GRACE_MS (default 25 s): give the container at
# least that plus a few seconds before SIGKILL (docker stop -t 30, podman stop -t 30,
# terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3019) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form, and the entrypoint rather than the base's own (node:24-slim's is a shell script): node
# is PID 1 on either base and receives SIGTERM itself.
# --max-semi-space-size=2 (MiB): V8's young generation otherwise grows to 8 MiB per semi-space while
# the bridge starts its workers, and the bridge's steady trickle of allocations (polls, heartbeats)
# keeps all of it resident: about 10 MB of a 38-queue bridge's RSS at rest. The bench (which starts
# the bundle with the flags read from this line) shows no CPU per job above its noise.
ENTRYPOINT ["node", "--max-semi-space-size=2", "dist/bridge/main.mjs"]

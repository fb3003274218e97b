# syntax=docker/dockerfile:1
# The bridge tier (bridge/ plus the shared src/). Node 24 runs the TypeScript as it is (type
# stripping), so there is no build step: production dependencies, sources, non-root, done.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production PORT=3019
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bridge ./bridge
COPY src ./src
USER node
EXPOSE 3019
# SIGTERM drains in-flight jobs for BRIDGE_SHUTDOWN_GRACE_MS (default 25 s): give the container at
# least that plus a few seconds before SIGKILL (docker stop -t 30, terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3019) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself.
CMD ["node", "bridge/main.ts"]

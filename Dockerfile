# syntax=docker/dockerfile:1
# The controller image: TypeScript compiled in a build stage, production dependencies only
# in the runtime stage, run as the unprivileged user `hotline`.
#
#   docker build -t hotline12345 .
#   docker run -p 3000:3000 -e SWITCH_KIND=freeswitch -e ESL_HOST=10.0.0.5 \
#     -e ESL_PASSWORD=… --stop-timeout 45 hotline12345
#
# --stop-timeout: on SIGTERM the controller drains calls in progress for up to
# DRAIN_DEADLINE_MS (30 s by default); Docker's default of 10 s would cut them off.
#
# test/ops/dockerfile.test.ts replays this file without a Docker engine: keep COPY sources
# plain paths, RUN steps that build the app npm commands, and CMD and HEALTHCHECK in exec form.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
RUN groupadd --system hotline \
 && useradd --system --gid hotline --home-dir /app --no-create-home --shell /usr/sbin/nologin hotline
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Read at run time from the install root (/app, found from dist/src/main.js): config/ at
# start (src/main.ts; or HOTLINE_CONFIG_DIR), ivr-flows/ at start and on every change or
# SIGHUP, public/ for the pages under /ui/ (src/http/app.ts; the charts come from
# node_modules/echarts). Owned by root, read-only to the controller. Mount over /app/config
# or /app/ivr-flows to change them (see docs/operations.md).
COPY config ./config
COPY ivr-flows ./ivr-flows
COPY public ./public
USER hotline
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/src/main.js"]

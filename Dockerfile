# The bot as a container: `docker build -t feishu-approval-bot .` (see README → Running as a service).
# Build stage: better-sqlite3 is compiled where no prebuilt binary fits (hence python3, make, g++),
# src/ is bundled into dist/, then the dev dependencies are dropped so only what the bot runs on
# reaches the runtime image.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
COPY templates ./templates
RUN node scripts/build.mjs && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: no compiler, no sources, not root.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATABASE_URL=file:/data/bot.sqlite
WORKDIR /app
# package.json: "type": "module" for dist/, and the marker by which the bot finds templates/.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/templates ./templates
# The volume takes the ownership of this directory when Docker first creates it.
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
# The slim image has no curl; node's fetch does. Any answer but 200 (or none in 5 s) is unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself as PID 1 (exec form, no shell): `docker stop` sends SIGTERM straight to the bot,
# which stops gracefully within 10 s. Give it longer: `docker stop -t 30`, or stop_grace_period.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]

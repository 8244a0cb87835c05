# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY connectors ./connectors
RUN npm run build

FROM node:20-bookworm-slim AS runtime
# Links read deliveries from these folders of the data volume only (the example links use them).
ENV NODE_ENV=production \
    KOPPELING_DATA_DIR=/app/data \
    KOPPELING_SOURCE_ROOTS=/app/data/drop,/app/data/deliveries \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY src/bin.js ./src/bin.js
COPY mappings ./mappings
COPY config ./config
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "src/bin.js", "serve"]

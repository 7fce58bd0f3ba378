# Castellan container image: Node 24, production dependencies only, running as a non-root user.
# Mirrors the README: configuration in /config, data (SQLite) in /data, portal on port 9091.
#   docker build -t castellan .
#   docker run -p 9091:9091 -v ./config:/config -v ./data:/data castellan

FROM node:24-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json config.example.yml ./
COPY bin ./bin
COPY schemas ./schemas
COPY src ./src
RUN ln -s /app/bin/castellan.js /usr/local/bin/castellan \
 && mkdir -p /config /data \
 && chown node:node /config /data
USER node
VOLUME ["/config", "/data"]
EXPOSE 9091
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9091/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["castellan"]
CMD ["serve", "--config", "/config/configuration.yml"]

# syntax=docker/dockerfile:1
# The incluster CLI as an image (ghcr.io/incluster/incluster): `docker run … pods count`.
#   docker build -t ghcr.io/incluster/incluster:latest .
# Three stages: compile with the dev toolchain, install production dependencies alone, and ship both on a
# distroless Node 24 runtime (no shell, no package manager) as a non-root user. Nothing is written at
# run time, so the container runs with readOnlyRootFilesystem: true.
ARG BUILD_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Only the `node` toolchain's install script runs: node-pty (the local runtime's terminals, a dev dependency)
# needs a C++ toolchain to build and the image never runs the runtime.
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild node
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${BUILD_IMAGE} AS production-dependencies
WORKDIR /src
COPY package.json package-lock.json ./
# No production dependency has an install script; skipping scripts also keeps the `node` dev toolchain out.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
# package.json carries "type": "module" for the compiled ES modules.
COPY --from=production-dependencies /src/package.json ./package.json
COPY --from=production-dependencies /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# Numeric, so the kubelet can verify runAsNonRoot without a passwd lookup (distroless "nonroot").
USER 65532:65532
EXPOSE 9090
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/cli/main.js"]
CMD ["pods", "count"]

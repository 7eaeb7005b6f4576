# The Podium gateway as a container image, for running it next to Amazon ElastiCache for Valkey
# (docs/deploy-elasticache.md). Build from the repository root, which the Cargo workspace needs:
#
#   docker build -f deploy/gateway.Dockerfile -t podium-gateway .
#
# Not built in this repository's CI (it has no Docker): treat it as a starting point and build it
# once before relying on it.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# --locked: the dependency versions of Cargo.lock, nothing newer.
RUN cargo build --release --locked -p podium-gateway

FROM debian:bookworm-slim
# rediss:// without --redis-ca-file trusts the system's roots (ElastiCache's certificates chain to
# Amazon's public CAs, which ca-certificates has).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/podium-gateway /usr/local/bin/podium-gateway
# nobody: the gateway needs no privileges and writes no files.
USER 65534:65534
ENV PODIUM_GATEWAY_LISTEN=0.0.0.0:8079
EXPOSE 8079
# SIGTERM: the gateway finishes in-flight requests, then exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/podium-gateway"]

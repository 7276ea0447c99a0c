# The production image: the tenantry binary on a slim Debian, configured by environment, run as
# an unprivileged user. `tenantry migrate` is its own one-shot step (see docker-compose.yml);
# `serve` (the default command) drains on SIGTERM before it stops.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p tenantry-api --bin tenantry

FROM debian:bookworm-slim
# tini as process 1: the kernel ignores signals to process 1 that it has no handler for, so
# without it a SIGTERM while the service starts (waiting for its database) would be lost.
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates curl tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /data --shell /usr/sbin/nologin tenantry \
    && mkdir -p /data && chown tenantry /data
COPY --from=build /src/target/release/tenantry /usr/local/bin/tenantry
USER tenantry
WORKDIR /data
# JSON logs for the log pipeline; /readyz turns 503 for the drain's 5 s after SIGTERM, then
# requests in progress get up to 20 s: an orchestrator's grace period must exceed 25 s.
ENV TENANTRY_LISTEN=0.0.0.0:8080 \
    TENANTRY_DATA_DIR=/data \
    TENANTRY_LOG_FORMAT=json \
    TENANTRY_SHUTDOWN_DRAIN_SECONDS=5 \
    TENANTRY_SHUTDOWN_TIMEOUT_SECONDS=20 \
    RUST_LOG=info
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fs http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/tenantry"]
CMD ["serve"]

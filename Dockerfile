# The gateway as a container image (docs/deployment.md):
#
#   docker build -t archestra:dev .
#   docker run --rm --read-only --tmpfs /tmp -v archestra-data:/var/lib/archestra -p 9000:9000 \
#       -e ARCHESTRA_ADMIN_TOKEN=change-me --stop-timeout 45 archestra:dev
#
# Stage 1 builds a release binary with the Swift standard library and Foundation linked in statically, so the
# runtime image needs no Swift toolchain: only glibc, libstdc++/libgcc (both in every Debian image) and the CA
# certificates for TLS to the providers. The builder is the Debian 12 flavour of the official image so that
# builder and runtime share one glibc; scripts/static-binary-check.sh runs the same build in a bare Debian 12
# root made with debootstrap.

ARG SWIFT_IMAGE=swift:6.3.1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src

# Dependencies first, so this layer is rebuilt only when the manifest or the pins change. Package.resolved is
# copied when present (the glob then matches it), so the image gets the versions that were tested.
COPY Package.* ./
RUN swift package resolve

# SwiftPM checks every target of the manifest, test targets included, so Tests/ is part of the context.
COPY Sources ./Sources
COPY Tests ./Tests

# Staged for the runtime image: the binary, without its DWARF debug information (185 MiB -> 114 MiB; the symbol
# table stays, so crash backtraces still name the functions, only file:line is lost); next to it the web UI's
# templates and static files (Bundle.module looks for archestra_ArchestraServer.resources beside the
# executable); and the toolchain's static crash reporter, so a crash prints a symbolicated backtrace
# (SWIFT_BACKTRACE below).
RUN swift build -c release --static-swift-stdlib --product archestra \
    && bin_dir="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
    && install -d /staging \
    && install -m 0755 "$bin_dir/archestra" /staging/archestra \
    && strip --strip-debug /staging/archestra \
    && cp -R "$bin_dir/archestra_ArchestraServer.resources" /staging/ \
    && install -m 0755 /usr/libexec/swift/linux/swift-backtrace-static /staging/swift-backtrace-static \
    && chmod -R a+rX,go-w /staging


FROM ${RUNTIME_IMAGE}
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# ca-certificates: NIOSSL verifies the providers' certificates against /etc/ssl/certs. Versions are not pinned:
# Debian's security updates replace old versions in the archive, so a pinned build would break on the next one.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 archestra \
    && useradd --uid 10001 --gid 10001 --home-dir /var/lib/archestra --no-create-home \
        --shell /usr/sbin/nologin archestra \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/archestra

# Owned by root and not writable by the service user: the process cannot change its own code.
COPY --from=build /staging/ /opt/archestra/

LABEL org.opencontainers.image.title="Archestra for Swift" \
      org.opencontainers.image.description="Security gateway between AI agents and their LLM providers"

# In a container the gateway must listen on all interfaces; it then refuses to start without
# ARCHESTRA_ADMIN_TOKEN (or ARCHESTRA_ALLOW_OPEN_ADMIN=true), so the image never serves an open admin API.
# Without DATABASE_URL the store is SQLite in the working directory (/var/lib/archestra/archestra.sqlite),
# a volume, so it stays writable with a read-only root filesystem.
ENV ARCHESTRA_HOST=0.0.0.0 \
    ARCHESTRA_PORT=9000 \
    LOG_FORMAT=json \
    PATH=/opt/archestra:$PATH \
    SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/opt/archestra/swift-backtrace-static

WORKDIR /var/lib/archestra
VOLUME ["/var/lib/archestra"]
USER 10001:10001
EXPOSE 9000

# Bash built-ins only (no curl or wget in the image, no child processes): open a TCP connection, send one
# request, and pass when the status line says 200. /health answers 200 while the process serves; readiness
# (/ready, 503 while draining) is for load balancers, not for restarting the container.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${ARCHESTRA_PORT:-9000} && printf 'GET /health HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && IFS= read -r -t 2 status <&3 && [[ $status == 'HTTP/1.1 200'* ]]"]

# SIGTERM starts the graceful shutdown: /ready turns 503, requests are drained, pending interaction records are
# written, exit 0. Docker's default stop timeout (10 s) is shorter than the drain; use --stop-timeout 45.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/archestra/archestra"]
CMD ["serve"]

#!/usr/bin/env bash
# The runtime image of the Dockerfile, without a Docker engine: the release binary built with the static Swift
# standard library, laid out as in the image (/opt/archestra), run in a bare Debian 12 root made with
# `debootstrap --variant=minbase` plus the image's one package (ca-certificates) and user (10001), mounted
# read-only with tmpfs on /tmp and /var/lib/archestra (as `docker run --read-only --tmpfs …` would).
#
#   bash scripts/static-binary-check.sh
#
# Checks: the shared libraries the binary still needs all resolve in that root (ldd); it starts as uid 10001
# with the default SQLite file store; /health, /ready, the web UI and its static files, /metrics and a mock-mode
# POST /v1/openai/chat/completions answer; the Dockerfile's HEALTHCHECK command passes against it; SIGTERM
# stops it with exit status 0. Prints the binary's size and its ldd output, and last
# `static-binary-check: N passed, N failed`.
#
# Not part of scripts/test.sh: the release build takes about half an hour on 2 cores the first time and
# debootstrap downloads ~50 MB. Needs root (debootstrap, chroot, mount) and apt's network on the first run;
# the build folder (STATIC_SCRATCH, default .build-static) and the root (STATIC_ROOTFS, default
# /tmp/archestra-rootfs-bookworm) are reused by later runs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SCRATCH=${STATIC_SCRATCH:-.build-static}
ROOTFS=${STATIC_ROOTFS:-/tmp/archestra-rootfs-bookworm}
MIRROR=${STATIC_MIRROR:-http://deb.debian.org/debian}
APP_UID=10001
PASSED=0
FAILED=0
MOUNTS=()
SERVER_PID=
WORK=$(mktemp -d /tmp/archestra-static.XXXXXX)

cleanup() {
    local index
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    for ((index = ${#MOUNTS[@]} - 1; index >= 0; index--)); do
        umount "${MOUNTS[index]}" 2>/dev/null || umount -l "${MOUNTS[index]}" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass() {
    echo "PASS $*"
    PASSED=$((PASSED + 1))
}

fail() {
    echo "FAIL $*"
    FAILED=$((FAILED + 1))
}

# check NAME COMMAND…: passes when the command succeeds.
check() {
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

mount_at() {
    mount "$@"
    MOUNTS+=("${!#}")
}

# -- 1. the release build, as in the Dockerfile's build stage --------------------------------------------------
echo "==> swift build -c release --static-swift-stdlib --product archestra --scratch-path $SCRATCH"
swift build -c release --static-swift-stdlib --product archestra --scratch-path "$SCRATCH" 2>&1 | tail -n 3
BIN_DIR=$(swift build -c release --static-swift-stdlib --scratch-path "$SCRATCH" --show-bin-path)
BUNDLE=$(find "$BIN_DIR" -maxdepth 1 -name '*.resources' -printf '%f\n' | sort | xargs)
check "resource bundle next to the binary is '$BUNDLE' (the Dockerfile copies archestra_ArchestraServer.resources)" \
    test "$BUNDLE" = archestra_ArchestraServer.resources

# -- 2. the bare root, as in the Dockerfile's runtime stage ------------------------------------------------------
if [[ ! -f $ROOTFS/.archestra-ready ]]; then
    if ! command -v debootstrap >/dev/null 2>&1; then
        echo "==> installing debootstrap (apt-get)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    fi
    echo "==> debootstrap --variant=minbase bookworm $ROOTFS"
    rm -rf "$ROOTFS"
    debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
        { tail -n 20 "$WORK/debootstrap.log"; exit 1; }
    cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
    chroot "$ROOTFS" /bin/bash -c '
        set -e
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends ca-certificates >/dev/null
        rm -rf /var/lib/apt/lists/*
        groupadd --gid 10001 archestra
        useradd --uid 10001 --gid 10001 --home-dir /var/lib/archestra --no-create-home \
            --shell /usr/sbin/nologin archestra
        install -d -o 10001 -g 10001 -m 0750 /var/lib/archestra' >"$WORK/setup.log" 2>&1 ||
        { tail -n 20 "$WORK/setup.log"; exit 1; }
    touch "$ROOTFS/.archestra-ready"
fi
echo "root: $ROOTFS (Debian $(cat "$ROOTFS/etc/debian_version"), minbase + ca-certificates:" \
    "$(du -sh --exclude="$ROOTFS/opt/archestra" "$ROOTFS" | cut -f1))"
rm -rf "$ROOTFS/opt/archestra"
install -d "$ROOTFS/opt/archestra"
install -m 0755 "$BIN_DIR/archestra" "$ROOTFS/opt/archestra/archestra"
strip --strip-debug "$ROOTFS/opt/archestra/archestra"
cp -R "$BIN_DIR/$BUNDLE" "$ROOTFS/opt/archestra/"
backtracer=$(dirname "$(readlink -f "$(command -v swift)")")/../libexec/swift/linux/swift-backtrace-static
[[ -x $backtracer ]] && install -m 0755 "$backtracer" "$ROOTFS/opt/archestra/swift-backtrace-static"
chmod -R a+rX,go-w "$ROOTFS/opt/archestra"

# A read-only view of the root, with /proc as a container runtime provides it (debootstrap made the few device
# nodes a container gets: null, zero, random, urandom, tty, …) and the writable tmpfs mounts the docs tell
# `docker run` to add.
VIEW=$WORK/root
mkdir -p "$VIEW"
mount_at --bind "$ROOTFS" "$VIEW"
mount -o remount,bind,ro "$VIEW"
mount_at -t proc proc "$VIEW/proc"
mount_at -t tmpfs -o mode=1777,size=64m tmpfs "$VIEW/tmp"
mount_at -t tmpfs -o "uid=$APP_UID,gid=$APP_UID,mode=0750,size=64m" tmpfs "$VIEW/var/lib/archestra"
if chroot --userspec=$APP_UID:$APP_UID "$VIEW" /bin/sh -c 'touch /opt/archestra/x' 2>/dev/null; then
    fail "root filesystem is writable"
else
    pass "root filesystem is read-only (a write to /opt/archestra fails)"
fi

# -- 3. what the binary needs ------------------------------------------------------------------------------------
mib() { awk -v s="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MiB (%d bytes)", s / 1048576, s }'; }
echo "binary: $(mib "$BIN_DIR/archestra") as built, $(mib "$ROOTFS/opt/archestra/archestra") with --strip-debug" \
    "as the image has it; $(file -b "$ROOTFS/opt/archestra/archestra" | cut -d, -f1-2)"
echo "resource bundle: $(du -sh "$ROOTFS/opt/archestra/$BUNDLE" | cut -f1)"
echo "ldd /opt/archestra/archestra (in the bare root):"
chroot "$VIEW" /usr/bin/ldd /opt/archestra/archestra | sed 's/^/    /' | tee "$WORK/ldd.txt"
if grep -q 'not found' "$WORK/ldd.txt"; then
    fail "shared libraries missing in the bare root: $(grep 'not found' "$WORK/ldd.txt" | xargs)"
else
    pass "every shared library the binary needs is in the bare root"
fi
if grep -qE 'libswift|libFoundation|libicu|libdispatch' "$WORK/ldd.txt"; then
    fail "the binary still loads Swift runtime libraries dynamically"
else
    pass "no Swift runtime, Foundation, ICU or dispatch library is loaded dynamically"
fi

# -- 4. the gateway in that root ---------------------------------------------------------------------------------
# The image's own settings (all interfaces, no admin token) must refuse to start: the image fails closed.
refusal=0
timeout 20 chroot --userspec=$APP_UID:$APP_UID "$VIEW" /usr/bin/env -i --chdir=/var/lib/archestra \
    ARCHESTRA_HOST=0.0.0.0 ARCHESTRA_PORT=0 DATABASE_URL=sqlite::memory: /opt/archestra/archestra serve \
    >"$WORK/refusal.log" 2>&1 || refusal=$?
if [[ $refusal != 0 && $refusal != 124 ]] && grep -q ARCHESTRA_ADMIN_TOKEN "$WORK/refusal.log"; then
    pass "ARCHESTRA_HOST=0.0.0.0 without ARCHESTRA_ADMIN_TOKEN refuses to start (exit $refusal)"
else
    fail "ARCHESTRA_HOST=0.0.0.0 without ARCHESTRA_ADMIN_TOKEN: exit $refusal: $(head -c 300 "$WORK/refusal.log")"
fi

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
# The image's environment, on loopback (no admin token needed) and in mock mode; DATABASE_URL unset, so the
# default SQLite file lands in the working directory.
chroot --userspec=$APP_UID:$APP_UID "$VIEW" /usr/bin/env -i --chdir=/var/lib/archestra \
    PATH=/opt/archestra:/usr/local/bin:/usr/bin:/bin LOG_FORMAT=json BENCHMARK_MOCK_MODE=true \
    ARCHESTRA_HOST=127.0.0.1 ARCHESTRA_PORT="$PORT" ARCHESTRA_SHUTDOWN_DRAIN_SECONDS=1 \
    SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/opt/archestra/swift-backtrace-static \
    /opt/archestra/archestra serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
started=
for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "$URL/health" 2>/dev/null; then started=1; break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
if [[ -z $started ]]; then
    fail "archestra serve did not answer on $URL:"
    sed 's/^/    /' "$WORK/server.log"
else
    pass "archestra serve started as uid $APP_UID in the read-only root"
fi
echo "server's first lines:"
head -n 3 "$WORK/server.log" | cut -c1-200 | sed 's/^/    /'

# expect NAME STATUS CURL-ARGS…: the status and the first 120 bytes of the body.
expect() {
    local name=$1 status=$2 got
    shift 2
    got=$(curl -sS -o "$WORK/body" -w '%{http_code} %{content_type}' "$@" 2>&1 || true)
    if [[ ${got%% *} == "$status" ]]; then
        pass "$name: $got"
    else
        fail "$name: expected $status, got $got: $(head -c 300 "$WORK/body" 2>/dev/null)"
    fi
}

if [[ -n $started ]]; then
    expect "GET /health" 200 "$URL/health"
    ready=$(curl -sS -o "$WORK/body" -w '%{http_code}' "$URL/ready" || true)
    case $ready in
        200) pass "GET /ready: 200" ;;
        404) echo "NOTE GET /ready: 404, not in this build yet (the manifests probe it)" ;;
        *) fail "GET /ready: $ready $(head -c 200 "$WORK/body")" ;;
    esac
    expect "POST /v1/openai/chat/completions (mock mode)" 200 -H 'content-type: application/json' \
        -d '{"model":"gpt-4o","messages":[{"role":"user","content":"What is on my calendar?"}]}' \
        "$URL/v1/openai/chat/completions"
    if python3 -c 'import json, sys; reply = json.load(open(sys.argv[1])); assert reply["choices"][0]["message"]' \
        "$WORK/body" 2>/dev/null; then
        pass "mock reply is a chat completion: $(head -c 160 "$WORK/body")…"
    else
        fail "mock reply is not a chat completion: $(head -c 300 "$WORK/body")"
    fi
    expect "GET / (web UI)" 200 "$URL/"
    check "web UI page is HTML (templates from the bundle)" grep -qi '<html' "$WORK/body"
    expect "GET /ui/static/app.css (bundle's static files)" 200 "$URL/ui/static/app.css"
    expect "GET /metrics" 200 "$URL/metrics"
    check "default SQLite store created in the working directory (/var/lib/archestra/archestra.sqlite)" \
        test -s "$VIEW/var/lib/archestra/archestra.sqlite"

    # The HEALTHCHECK command exactly as the Dockerfile has it (its exec form is JSON), run as in the container.
    mapfile -d '' -t health_command < <(python3 - "$ROOT/Dockerfile" <<'PY'
import json, re, sys
text = re.sub(r"\\\n", " ", open(sys.argv[1]).read())
command = re.search(r"^HEALTHCHECK .*?CMD (\[.*\])\s*$", text, re.M).group(1)
print("\0".join(json.loads(command)), end="\0")
PY
    )
    echo "HEALTHCHECK: ${health_command[*]}"
    if chroot --userspec=$APP_UID:$APP_UID "$VIEW" /usr/bin/env -i ARCHESTRA_PORT="$PORT" "${health_command[@]}"; then
        pass "Dockerfile HEALTHCHECK command passes against the running gateway"
    else
        fail "Dockerfile HEALTHCHECK command failed against the running gateway"
    fi

    stop_started=$(date +%s.%N)
    kill -TERM "$SERVER_PID"
    status=0
    timeout 60 tail --pid="$SERVER_PID" -f /dev/null || true
    wait "$SERVER_PID" || status=$?
    SERVER_PID=
    check "SIGTERM: exit status $status after $(awk -v a="$stop_started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s (0 expected)" \
        test "$status" = 0
    if chroot --userspec=$APP_UID:$APP_UID "$VIEW" /usr/bin/env -i ARCHESTRA_PORT="$PORT" "${health_command[@]}" 2>/dev/null; then
        fail "Dockerfile HEALTHCHECK command passes with the gateway stopped"
    else
        pass "Dockerfile HEALTHCHECK command fails with the gateway stopped"
    fi
    check "LOG_FORMAT=json: log lines are JSON objects" grep -q '^{' "$WORK/server.log"
fi

echo "static-binary-check: $PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]

# shellcheck shell=bash
# Starting, probing and stopping the two servers under test (gateway and reference).
#
# Expects scripts/lib/postgres.sh to be sourced first: process_running and port_in_use come from
# there, so the zombie-aware liveness check stays in one place.

GATEWAY_PID=
REFERENCE_PID=

# A port nobody listens on. The kernel picks it (bind to port 0), which avoids guessing; another
# process could still take it before our server binds, but then the server fails loudly at start.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until $1 (a PID) listens on 127.0.0.1:$2, or fails with the tail of its log ($3) if it
# dies or takes longer than $4 seconds: a server that never comes up must not be benchmarked.
wait_for_port() {
    local pid=$1 port=$2 log=$3 timeout=${4:-60} waited=0
    until port_in_use "$port"; do
        if ! process_running "$pid"; then
            echo "error: server (pid $pid) exited before listening on port $port; last log lines:" >&2
            tail -n 20 "$log" >&2 || true
            return 1
        fi
        if ((waited >= timeout * 10)); then
            echo "error: nothing listens on port $port after ${timeout}s; last log lines:" >&2
            tail -n 20 "$log" >&2 || true
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

# The gateway migrates the database before it listens, so an open port alone is not "ready":
# /health answering 200 is.
# Migrating an empty database takes seconds; a minute means the start is stuck.
wait_for_health() {
    local pid=$1 url=$2 log=$3 timeout=${4:-60} waited=0
    until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
        if ! process_running "$pid"; then
            echo "error: gateway (pid $pid) exited during start; last log lines:" >&2
            tail -n 20 "$log" >&2 || true
            return 1
        fi
        if ((waited >= timeout * 5)); then
            # Start-up errors may be logged below the chosen level only (re-run with --log-level debug).
            echo "error: $url not healthy after ${timeout}s (try --log-level debug); last log lines:" >&2
            tail -n 20 "$log" >&2 || true
            return 1
        fi
        sleep 0.2
        waited=$((waited + 1))
    done
}

# start_gateway BIN PORT DATABASE_URL LOG_LEVEL LOGFILE
start_gateway() {
    local bin=$1 port=$2 url=$3 level=$4 log=$5
    # Host pinned to loopback: the load never leaves the machine. No provider keys are set; mock
    # mode never calls a provider.
    BENCHMARK_MOCK_MODE=true ARCHESTRA_HOST=127.0.0.1 ARCHESTRA_PORT=$port DATABASE_URL=$url LOG_LEVEL=$level \
        "$bin" serve >"$log" 2>&1 &
    GATEWAY_PID=$!
    wait_for_health "$GATEWAY_PID" "http://127.0.0.1:$port/health" "$log"
}

# start_reference BIN PORT LOGFILE
start_reference() {
    local bin=$1 port=$2 log=$3
    "$bin" "$port" >"$log" 2>&1 &
    REFERENCE_PID=$!
    # It has no health route (only the completion route), so listening is the readiness signal.
    wait_for_port "$REFERENCE_PID" "$port" "$log"
}

# Peak resident memory (kB) of a running process; "" when it is gone.
vm_field() {
    local pid=$1 field=$2
    [[ -n $pid ]] || return 0
    awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/status" 2>/dev/null || true
}

# SIGTERM first: the gateway drains requests and flushes its interaction log on it. SIGKILL only
# if it is still there after 15 s, so a hung server cannot hang the harness too.
stop_server() {
    local pid=$1 name=$2 _
    [[ -n $pid ]] || return 0
    if process_running "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 150); do
            process_running "$pid" || break
            sleep 0.1
        done
        if process_running "$pid"; then
            echo "warning: $name (pid $pid) ignored SIGTERM for 15 s; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

# Builds the release products (unless $1 is non-empty: use the binaries already built) and prints their folder.
# Build output goes to stderr, so the folder is the only thing on stdout.
release_bin_dir() {
    if [[ -z $1 ]]; then
        echo "==> building release products archestra and archestra-reference" >&2
        # One --product per invocation (SwiftPM keeps only the last); the second reuses the first's modules.
        swift build -c release --product archestra >&2
        swift build -c release --product archestra-reference >&2
    fi
    swift build -c release --show-bin-path
}

# shellcheck shell=bash
# Gateways and the fake upstream for the checks that drive a built gateway from
# outside (scripts/sdk-checks, scripts/ui-checks).
#
# Source this file after scripts/lib/python.sh and `ensure_sdk_venv`. The caller
# sets BIN (the gateway binary) and WORK (a scratch directory), defines
# `fail MESSAGE` (counts one failure), and calls `stop_started_processes` from
# its EXIT trap: every process started here is listed in STARTED_PIDS.

GATEWAY_LIB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STARTED_PIDS=()

# Kills whatever was started and is still running; for an EXIT trap.
stop_started_processes() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        # wait reaps it, so bash prints no "Killed" notice after the summary.
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
}

free_port() {
    "$SDK_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Polls GET $1/health until it answers 200, giving up early if process $2 died.
wait_for_health() {
    "$SDK_PYTHON" - "$1" "$2" <<'PY'
import os, sys, time, urllib.request
url, pid = sys.argv[1] + "/health", int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(f"the gateway exited before answering {url}")
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(f"no answer from {url} within 60 s")
PY
}

# Starts scripts/sdk-checks/fake_upstream.py on a port of its choosing; sets
# FAKE_PID, FAKE_URL.
start_fake_upstream() {
    local out=$WORK/fake.out port='' _
    "$SDK_PYTHON" -u "$GATEWAY_LIB_ROOT/scripts/sdk-checks/fake_upstream.py" 0 >"$out" 2>"$WORK/fake.err" &
    FAKE_PID=$!
    STARTED_PIDS+=("$FAKE_PID")
    for _ in $(seq 1 100); do
        port=$(head -n 1 "$out" 2>/dev/null || true)
        [[ -n $port ]] && break
        kill -0 "$FAKE_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [[ -z $port ]]; then
        cat "$WORK/fake.err" >&2
        echo "error: fake upstream did not start" >&2
        return 1
    fi
    FAKE_URL=http://127.0.0.1:$port
}

# start_gateway NAME [VAR=value...]: starts the gateway with in-memory SQLite
# plus the given settings, logging to $WORK/gateway-NAME.log; sets GATEWAY_PID,
# GATEWAY_URL, GATEWAY_LOG. Settings a developer may have exported (keys, admin
# token, mock mode) are cleared so they cannot change what the checks see.
start_gateway() {
    local name=$1 port
    shift
    port=$(free_port)
    GATEWAY_LOG=$WORK/gateway-$name.log
    env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u GEMINI_API_KEY -u ARCHESTRA_ADMIN_TOKEN -u BENCHMARK_MOCK_MODE \
        -u ARCHESTRA_OPENAI_BASE_URL -u ARCHESTRA_ANTHROPIC_BASE_URL -u ARCHESTRA_GEMINI_BASE_URL \
        ARCHESTRA_HOST=127.0.0.1 ARCHESTRA_PORT="$port" DATABASE_URL=sqlite::memory: "$@" \
        "$BIN" serve >"$GATEWAY_LOG" 2>&1 &
    GATEWAY_PID=$!
    STARTED_PIDS+=("$GATEWAY_PID")
    GATEWAY_URL=http://127.0.0.1:$port
    wait_for_health "$GATEWAY_URL" "$GATEWAY_PID"
}

# stop_gateway [PID LOG]: stops a gateway (by default the last one started) as
# a service manager would (SIGTERM) and checks that it went quietly: it must
# exit 0 within 15 s and must not have crashed.
stop_gateway() {
    local pid=${1:-$GATEWAY_PID} log=${2:-$GATEWAY_LOG} status=0 _
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 150); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            fail "gateway still running 15 s after SIGTERM; killed"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    else
        fail "gateway died during the checks"
    fi
    wait "$pid" 2>/dev/null || status=$?
    if [[ $status != 0 && $status != 137 ]]; then
        fail "gateway exited with status $status after SIGTERM"
    fi
    # The Swift runtime's crash reports and backtraces.
    if grep -Eq 'Fatal error|Program crashed|Stack dump|stack trace|Backtrace|Thread [0-9]+ crashed|Segmentation fault' "$log"; then
        fail "gateway printed a crash report or stack trace"
    fi
}

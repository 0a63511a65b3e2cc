#!/usr/bin/env bash
# Operations fault checks: the built gateway, run as real processes against a
# throwaway PostgreSQL cluster, through the faults a deployment meets
# (ops_check.py): the database stopped and started under load, SIGTERM under
# load and during an outage (records kept in the spill file and stored by the
# next start), and two instances on one database behind HAProxy (a change made
# through one in effect on the other, also when its notification is lost; one
# instance drained or killed while the other keeps serving).
#
# Usage: bash scripts/ops-checks/run.sh
# Needs a built gateway (`swift build --product archestra`); ARCHESTRA_BIN
# points at another binary. Installs PostgreSQL and HAProxy from Debian's
# packages on first use; Python's standard library is all ops_check.py needs.
# Last line: `ops-checks: N passed, N failed`; exit status non-zero on failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=scripts/lib/python.sh
source "$ROOT/scripts/lib/python.sh"
# shellcheck source=scripts/lib/postgres.sh
source "$ROOT/scripts/lib/postgres.sh"

BIN=${ARCHESTRA_BIN:-$ROOT/.build/debug/archestra}
if [[ ! -x $BIN ]]; then
    echo "error: no gateway binary at $BIN (run: swift build --product archestra)" >&2
    exit 1
fi

# Debian keeps haproxy in /usr/sbin, which a non-login root shell may lack in PATH.
HAPROXY_BIN=$(command -v haproxy || true)
[[ -z $HAPROXY_BIN && -x /usr/sbin/haproxy ]] && HAPROXY_BIN=/usr/sbin/haproxy
if [[ -z $HAPROXY_BIN ]]; then
    echo "==> installing HAProxy (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq haproxy >/dev/null
    HAPROXY_BIN=$(command -v haproxy || echo /usr/sbin/haproxy)
fi
ensure_postgres_installed
ensure_python_venv_support

WORK=$(mktemp -d /tmp/archestra-ops.XXXXXX)
PASSED=0
FAILED=0

# ops_check.py stops what it started; its pid list is the fallback for a run
# that was itself killed before it could. A listed pid is only killed while it
# is still a gateway or HAProxy: by now the number may belong to anything.
cleanup() {
    local pid exe
    if [[ -f $WORK/pids ]]; then
        while read -r pid; do
            exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
            # A rebuilt binary shows as "<path> (deleted)".
            if [[ $exe == "$(readlink -f "$BIN")"* || $exe == "$(readlink -f "$HAPROXY_BIN")"* ]]; then
                kill -KILL "$pid" 2>/dev/null || true
            fi
        done <"$WORK/pids"
    fi
    stop_test_postgres || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    echo "FAIL [ops] $*"
    FAILED=$((FAILED + 1))
}

if ! start_test_postgres ops; then
    fail "PostgreSQL did not start"
else
    out=$WORK/ops-check.out
    python3 -u "$HERE/ops_check.py" --bin "$BIN" --pg-bin "$PG_BIN" --pg-dir "$TEST_POSTGRES_DIR" \
        --pg-port "$TEST_POSTGRES_PORT" --haproxy "$HAPROXY_BIN" --payload "$ROOT/bench/payloads/tainted-context.json" \
        --work "$WORK" 2>&1 | tee "$out" || true
    summary=$(tail -n 1 "$out")
    if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        PASSED=$((PASSED + BASH_REMATCH[1]))
        FAILED=$((FAILED + BASH_REMATCH[2]))
    else
        fail "ops_check.py ended without its summary line"
    fi
fi

echo "ops-checks: $PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]

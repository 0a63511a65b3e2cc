#!/usr/bin/env bash
# Browser checks of the web UI: Debian's headless Chromium, driven by
# Playwright's Python client (ui_check.py), against three gateways started here:
# one in benchmark mock mode (the operator journey and the screenshots), one in
# front of scripts/sdk-checks/fake_upstream.py (hostile markup in a model reply,
# a tool result and every stored value must render as text and run nothing),
# one with an admin token (log in and out).
#
# Usage: bash scripts/ui-checks/run.sh
# Needs a built gateway (`swift build --product archestra`); ARCHESTRA_BIN
# points at another binary. Installs Chromium from Debian's packages and the
# venv (.venv/, shared with the SDK checks) on first use. Writes the pages'
# screenshots to docs/screenshots/ (ARCHESTRA_SCREENSHOTS names another folder).
# Last line: `ui-checks: N passed, N failed`; exit status non-zero on failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=scripts/lib/python.sh
source "$ROOT/scripts/lib/python.sh"
# shellcheck source=scripts/lib/chromium.sh
source "$ROOT/scripts/lib/chromium.sh"

BIN=${ARCHESTRA_BIN:-$ROOT/.build/debug/archestra}
if [[ ! -x $BIN ]]; then
    echo "error: no gateway binary at $BIN (run: swift build --product archestra)" >&2
    exit 1
fi
ensure_chromium
ensure_sdk_venv "$ROOT/scripts/sdk-checks/requirements.txt" "$HERE/requirements.txt"

# shellcheck source=scripts/lib/gateway.sh
source "$ROOT/scripts/lib/gateway.sh"

WORK=$(mktemp -d /tmp/archestra-ui.XXXXXX)
PASSED=0
FAILED=0

cleanup() {
    stop_started_processes
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    echo "FAIL [ui] $*"
    FAILED=$((FAILED + 1))
}

# Prints a gateway's log when something failed, so the cause is in the output.
show_log() {
    echo "---- gateway output ($1) ----"
    tail -n 40 "$2"
    echo "---- end of gateway output ----"
}

# The admin token of the login gateway: random, so no test run reuses another's.
TOKEN=ui-$("$SDK_PYTHON" -c 'import secrets; print(secrets.token_hex(12))')
NOWHERE=http://127.0.0.1:9
started=1

start_gateway mock BENCHMARK_MOCK_MODE=true ARCHESTRA_OPENAI_BASE_URL=$NOWHERE \
    ARCHESTRA_ANTHROPIC_BASE_URL=$NOWHERE ARCHESTRA_GEMINI_BASE_URL=$NOWHERE || started=
MOCK_PID=$GATEWAY_PID MOCK_URL=$GATEWAY_URL MOCK_LOG=$GATEWAY_LOG
if start_fake_upstream; then
    start_gateway upstream ARCHESTRA_OPENAI_BASE_URL="$FAKE_URL" ARCHESTRA_ANTHROPIC_BASE_URL=$NOWHERE \
        ARCHESTRA_GEMINI_BASE_URL=$NOWHERE || started=
else
    started=
fi
UPSTREAM_PID=$GATEWAY_PID UPSTREAM_URL=$GATEWAY_URL UPSTREAM_LOG=$GATEWAY_LOG
start_gateway auth ARCHESTRA_ADMIN_TOKEN="$TOKEN" ARCHESTRA_OPENAI_BASE_URL=$NOWHERE || started=
AUTH_PID=$GATEWAY_PID AUTH_URL=$GATEWAY_URL AUTH_LOG=$GATEWAY_LOG

if [[ -z $started ]]; then
    fail "a gateway or the fake upstream did not start"
    for log in "$WORK"/gateway-*.log; do show_log "$(basename "$log")" "$log"; done
else
    out=$WORK/ui-check.out
    "$SDK_PYTHON" "$HERE/ui_check.py" --mock "$MOCK_URL" --upstream "$UPSTREAM_URL" --auth "$AUTH_URL" --token "$TOKEN" \
        --chromium "$CHROMIUM_BIN" --screenshots "${ARCHESTRA_SCREENSHOTS:-$ROOT/docs/screenshots}" 2>&1 | tee "$out" || true
    summary=$(tail -n 1 "$out")
    if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        PASSED=$((PASSED + BASH_REMATCH[1]))
        FAILED=$((FAILED + BASH_REMATCH[2]))
    else
        fail "ui_check.py ended without its summary line"
    fi
    stop_gateway "$MOCK_PID" "$MOCK_LOG"
    stop_gateway "$UPSTREAM_PID" "$UPSTREAM_LOG"
    stop_gateway "$AUTH_PID" "$AUTH_LOG"
    if [[ $FAILED != 0 ]]; then
        show_log mock "$MOCK_LOG"
        show_log upstream "$UPSTREAM_LOG"
        show_log auth "$AUTH_LOG"
    fi
fi

echo "ui-checks: $PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]

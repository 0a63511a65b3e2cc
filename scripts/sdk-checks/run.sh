#!/usr/bin/env bash
# Real-client checks: the official OpenAI, Anthropic and Google Gen AI Python
# SDKs against a live gateway, run twice -- once in mock mode (canned reply, no
# upstream; plus the refusal checks: an untrusted tool result gets the mock
# reply's tool call refused until the tool is trusted through the admin API),
# once in front of fake_upstream.py (so forwarding, keys and unknown fields can
# be seen; that round ends with the Dual LLM check, dual_llm_check.py, which
# needs the fake upstream's scripted Dual LLM answers, then virtual_key_check.py:
# virtual keys spend the server's provider keys, revoked ones get 401). In both rounds two agent
# frameworks on the chat-completions route, pydantic-ai and the OpenAI Agents
# SDK, run a tool-using agent whose tool result is an injection: the next call
# is refused and the run must end normally with the refusal as its output
# (pydantic_ai_check.py, openai_agents_check.py, frameworks.py). The Responses
# API gets the same in both rounds: the openai SDK's `client.responses` with
# refusals, trust through the admin API and previous_response_id chains
# (responses_check.py), and the OpenAI Agents SDK on its default Responses
# model (openai_agents_responses_check.py).
#
# Usage: bash scripts/sdk-checks/run.sh
# Needs a built gateway (`swift build --product archestra`); ARCHESTRA_BIN
# points at another binary. Sets up .venv/ on first use.
# Last line: `sdk-checks: N passed, N failed`; exit status non-zero on failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=scripts/lib/python.sh
source "$ROOT/scripts/lib/python.sh"

BIN=${ARCHESTRA_BIN:-$ROOT/.build/debug/archestra}
if [[ ! -x $BIN ]]; then
    echo "error: no gateway binary at $BIN (run: swift build --product archestra)" >&2
    exit 1
fi
ensure_sdk_venv "$HERE/requirements.txt"

# shellcheck source=scripts/lib/gateway.sh
source "$ROOT/scripts/lib/gateway.sh"

WORK=$(mktemp -d /tmp/archestra-sdk.XXXXXX)
PASSED=0
FAILED=0

# Whatever happens, no gateway or fake upstream outlives this script.
cleanup() {
    stop_started_processes
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    echo "FAIL [$ROUND] $*"
    FAILED=$((FAILED + 1))
}

# The SDK and agent-framework checks, each run against the same gateway in turn.
CHECK_SCRIPTS=(openai_check.py anthropic_check.py gemini_check.py pydantic_ai_check.py openai_agents_check.py
    responses_check.py openai_agents_responses_check.py)

# One round: start the gateway, run every SDK check, stop it, tally. Arguments:
# the expected tool and arguments, the fake upstream's URL (or ""), "refusal"
# (or "") to add the refusal checks, then the gateway's VAR=value settings.
run_round() {
    local expect_tool=$1 expect_args=$2 fake_url=$3 refusal=$4
    shift 4
    local script out summary before=$FAILED
    echo "==> sdk checks, round '$ROUND'"
    if ! start_gateway "$ROUND" "$@"; then
        fail "gateway did not start"
        cat "$GATEWAY_LOG"
        return
    fi
    for script in "${CHECK_SCRIPTS[@]}"; do
        out=$WORK/check-$ROUND-${script%.py}.out
        local args=(--gateway "$GATEWAY_URL" --expect-tool "$expect_tool" --expect-args "$expect_args"
            --label "$ROUND/${script%_check.py}")
        [[ -n $fake_url ]] && args+=(--fake-upstream "$fake_url")
        [[ -n $refusal ]] && args+=(--refusal)
        "$SDK_PYTHON" "$HERE/$script" "${args[@]}" 2>&1 | tee "$out" || true
        summary=$(tail -n 1 "$out")
        if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
            PASSED=$((PASSED + BASH_REMATCH[1]))
            FAILED=$((FAILED + BASH_REMATCH[2]))
        else
            fail "$script ended without its summary line"
        fi
    done
    stop_gateway
    if [[ $FAILED != "$before" ]]; then
        echo "---- gateway output ($ROUND) ----"
        tail -n 60 "$GATEWAY_LOG"
        echo "---- end of gateway output ----"
    fi
}

# Round 1: mock mode answers with the canned list_files call.
# The upstream URLs point at the discard port, so a mock-mode bug shows up as
# a failed check instead of a request leaving the machine.
ROUND=mock
run_round list_files '{"path": "."}' "" refusal BENCHMARK_MOCK_MODE=true \
    ARCHESTRA_OPENAI_BASE_URL=http://127.0.0.1:9 ARCHESTRA_ANTHROPIC_BASE_URL=http://127.0.0.1:9 \
    ARCHESTRA_GEMINI_BASE_URL=http://127.0.0.1:9

# Round 2: a scripted upstream for all three providers, so the gateway really forwards.
# The Dual LLM check runs after the SDK checks: it switches the (global) Dual LLM config on for
# a while and adds OpenAI calls upstream, which the checks before it count.
ROUND=fake-upstream
# The gateway has server-side provider keys (recognisable values), which only
# virtual keys may spend: virtual_key_check.py, after every other check (it
# counts the upstream's requests), drives the SDKs with a virtual key, a revoked
# one, one whose agent was deleted and a junk one; then limit_check.py gives a
# key's agent a token budget and expects each SDK's own rate-limit error once it
# is used up. The other checks send their
# own provider keys, which are forwarded as sent.
CHECK_SCRIPTS+=(dual_llm_check.py virtual_key_check.py limit_check.py)
if start_fake_upstream; then
    run_round get_weather '{"city": "Paris"}' "$FAKE_URL" "" ARCHESTRA_OPENAI_BASE_URL="$FAKE_URL" \
        ARCHESTRA_ANTHROPIC_BASE_URL="$FAKE_URL" ARCHESTRA_GEMINI_BASE_URL="$FAKE_URL" \
        OPENAI_API_KEY=sk-server-openai ANTHROPIC_API_KEY=sk-ant-server GEMINI_API_KEY=gk-server
    kill -TERM "$FAKE_PID" 2>/dev/null || true
    wait "$FAKE_PID" 2>/dev/null || true
else
    fail "fake upstream did not start"
fi

echo "sdk-checks: $PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]

#!/usr/bin/env bash
# The project's one test command (CI runs exactly this through .ci/run):
#
#   bash scripts/test.sh [swift test arguments, e.g. --filter ArchestraStoreTests]
#
# 1. `swift test` with a throwaway PostgreSQL cluster, so the store suite runs
#    against real PostgreSQL as well as SQLite (ARCHESTRA_REQUIRE_POSTGRES=1
#    turns a missing database into a failure instead of a silent skip); then the
#    timing-bound suites, each alone, with ARCHESTRA_LOAD_TESTS=1.
# 2. The real-client checks: the official OpenAI, Anthropic and Google Gen AI
#    SDKs and two agent frameworks (pydantic-ai, the OpenAI Agents SDK) against
#    the built gateway, in mock mode (with the refusal checks) and in front of a
#    fake upstream (scripts/sdk-checks/run.sh).
# 3. The fuzzers: each libFuzzer target (Sources/Fuzz) built with the fuzzer and
#    address sanitizers and run for ARCHESTRA_FUZZ_SECONDS (default 20) seconds
#    (scripts/fuzz.sh); a crash is saved under Tests/Fuzz/<target>/regressions/,
#    where step 1 replays it on later runs. 0 replays the kept inputs only.
# 4. The browser checks: Debian's headless Chromium driven by Playwright through
#    the web UI of three built gateways (mock mode, a fake upstream, an admin
#    token): the operator journey, hostile markup rendered as text, login and
#    logout; they rewrite the screenshots in docs/screenshots/
#    (scripts/ui-checks/run.sh).
# 5. The deployment checks: hadolint on the Dockerfile, the Kubernetes manifests
#    rendered with `kubectl kustomize` and validated with kubernetes-validate,
#    plus the properties they rely on (scripts/deploy-checks.sh).
# 6. The operations checks: the built gateway on a real PostgreSQL that is
#    stopped and started under load, SIGTERM (drain, then stop) and SIGTERM
#    during an outage (records spilled, stored by the next start), and two
#    instances behind HAProxy: changes reach the other instance even when a
#    notification is lost, one drained or killed while the other serves
#    (scripts/ops-checks/run.sh).
#
# Works as root on a fresh Debian machine with only Swift installed: it
# installs PostgreSQL, Chromium, kubectl, HAProxy and the Python venv when they are
# missing, and reuses them on later runs. Every stage always runs, so one run reports everything;
# the exit status is non-zero when any failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib/postgres.sh
source scripts/lib/postgres.sh
# shellcheck source=scripts/lib/python.sh
source scripts/lib/python.sh
# shellcheck source=scripts/lib/chromium.sh
source scripts/lib/chromium.sh

LOGS=$(mktemp -d /tmp/archestra-test.XXXXXX)

# The cluster must go away however this script ends. INT/TERM are turned into
# a plain exit so that the EXIT trap runs for them too.
cleanup() {
    stop_test_postgres || true
    rm -rf "$LOGS"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Install what is missing before the long build, so a broken machine fails fast.
ensure_postgres_installed
ensure_python_venv_support
ensure_chromium

start_test_postgres archestra_test
export ARCHESTRA_TEST_POSTGRES_URL=$TEST_POSTGRES_URL
# The gateways of the server tests get a database of their own: the store suite empties its own between cases.
as_postgres createdb -h 127.0.0.1 -p "$TEST_POSTGRES_PORT" -U postgres archestra_test_gateways
export ARCHESTRA_TEST_GATEWAY_POSTGRES_URL="postgres://postgres@127.0.0.1:$TEST_POSTGRES_PORT/archestra_test_gateways?sslmode=disable"
export ARCHESTRA_REQUIRE_POSTGRES=1

echo "==> swift test $*"
swift_status=0
swift test "$@" 2>&1 | tee "$LOGS/swift-test.log" || swift_status=$?
# Tests bound by time (/health answers within 100 ms while huge requests are judged; the log writer's outage
# tests with timeouts of tens of milliseconds) mean something only when nothing else runs: after the suite, each
# suite in a `swift test` of its own (one run with a filter matching them all runs them side by side). Each
# run's output goes to a log of its own, counted on its own (the counter reads one run per log), and is added to
# load-test.log; the status is the last failing run's.
load_status=0
load_suites=(HeavyRequestTests InteractionLogWriterOutageTests InteractionLogWriterSlowDatabaseTests OperationsTests)
load_statuses=()
if [[ $# == 0 ]]; then
    for suite in "${load_suites[@]}"; do
        echo "==> swift test --filter $suite, alone (ARCHESTRA_LOAD_TESTS=1)"
        suite_status=0
        ARCHESTRA_LOAD_TESTS=1 swift test --skip-build --filter "$suite" 2>&1 | tee "$LOGS/load-test-$suite.log" || suite_status=$?
        cat "$LOGS/load-test-$suite.log" >>"$LOGS/load-test.log"
        load_statuses+=("$suite_status")
        if [[ $suite_status != 0 ]]; then load_status=$suite_status; fi
    done
fi
# Only the Swift tests use the cluster; the gateway below runs on in-memory SQLite.
stop_test_postgres

# The gateway is not a test dependency, so `swift test` may not have built it.
echo "==> swift build --product archestra"
sdk_status=0 ui_status=0 ops_status=0
if swift build --product archestra >"$LOGS/build.log" 2>&1; then
    built=1
    bash scripts/sdk-checks/run.sh 2>&1 | tee "$LOGS/sdk-checks.log" || sdk_status=$?
else
    built=
    grep -E "error:" "$LOGS/build.log" | sort -u | head -n 20 || tail -n 40 "$LOGS/build.log"
    echo "error: the gateway did not build; real-client, browser and operations checks not run"
    sdk_status=1 ui_status=1 ops_status=1
fi

# libFuzzer and lld come with the Swift toolchain; the instrumented build has its own scratch folder.
echo "==> fuzzing (scripts/fuzz.sh, ${ARCHESTRA_FUZZ_SECONDS:-20} s per target)"
fuzz_status=0
bash scripts/fuzz.sh "${ARCHESTRA_FUZZ_SECONDS:-20}" 2>&1 | tee "$LOGS/fuzz.log" || fuzz_status=$?

# The browser checks drive the gateway built above (a failed build was already
# reported and counted there).
if [[ -n $built ]]; then
    echo "==> browser checks (scripts/ui-checks/run.sh)"
    bash scripts/ui-checks/run.sh 2>&1 | tee "$LOGS/ui-checks.log" || ui_status=$?
fi

# No Docker engine or cluster needed: rendering, schema validation and linting only.
echo "==> deployment checks (scripts/deploy-checks.sh)"
deploy_status=0
bash scripts/deploy-checks.sh 2>&1 | tee "$LOGS/deploy-checks.log" || deploy_status=$?

# Faults from outside, against the gateway built above; a cluster of its own.
if [[ -n $built ]]; then
    echo "==> operations checks (scripts/ops-checks/run.sh)"
    bash scripts/ops-checks/run.sh 2>&1 | tee "$LOGS/ops-checks.log" || ops_status=$?
fi

# One closing line for people and CI: every test and check counted, with a
# stage that produced no counts (a build failure, say) counted as one failure.
read -r swift_passed swift_failed swift_skipped < <(python3 scripts/lib/swift_test_counts.py "$LOGS/swift-test.log"; echo) || true
swift_passed=${swift_passed:-0} swift_failed=${swift_failed:-0} swift_skipped=${swift_skipped:-0}
if [[ $swift_status != 0 && $swift_failed == 0 ]]; then swift_failed=1; fi
# count_stage NAME LOG STATUS: reads the stage's closing "NAME: P passed, F failed"
# line; a stage that failed without one counts as one failure.
summary_parts=() total_passed=$swift_passed total_failed=$swift_failed all_ok=$([[ $swift_status == 0 ]] && echo 1 || echo 0)
count_stage() {
    local name=$1 log=$2 status=$3 passed=0 failed=0
    if [[ $(grep -E "^$name: [0-9]+ passed" "$log" 2>/dev/null | tail -n 1) =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
        passed=${BASH_REMATCH[1]} failed=${BASH_REMATCH[2]}
    fi
    if [[ $status != 0 && $failed == 0 ]]; then failed=1; fi
    if [[ $status != 0 ]]; then all_ok=0; fi
    total_passed=$((total_passed + passed)) total_failed=$((total_failed + failed))
    summary_parts+=("${name//-/ }: $passed passed, $failed failed (exit $status)")
}
if [[ -f $LOGS/load-test.log ]]; then
    # One suite's run at a time: a run that failed without counts (it crashed, say) counts as one failure.
    load_passed=0 load_failed=0
    for index in "${!load_statuses[@]}"; do
        suite=${load_suites[$index]} suite_status=${load_statuses[$index]} suite_passed='' suite_failed=''
        read -r suite_passed suite_failed _ < <(python3 scripts/lib/swift_test_counts.py "$LOGS/load-test-$suite.log"; echo) || true
        suite_passed=${suite_passed:-0} suite_failed=${suite_failed:-0}
        if [[ $suite_status != 0 && $suite_failed == 0 ]]; then suite_failed=1; fi
        load_passed=$((load_passed + suite_passed)) load_failed=$((load_failed + suite_failed))
    done
    if [[ $load_status != 0 ]]; then all_ok=0; fi
    total_passed=$((total_passed + load_passed)) total_failed=$((total_failed + load_failed))
    summary_parts+=("load test: $load_passed passed, $load_failed failed (exit $load_status)")
fi
count_stage sdk-checks "$LOGS/sdk-checks.log" "$sdk_status"
count_stage fuzz "$LOGS/fuzz.log" "$fuzz_status"
count_stage ui-checks "$LOGS/ui-checks.log" "$ui_status"
count_stage deploy-checks "$LOGS/deploy-checks.log" "$deploy_status"
count_stage ops-checks "$LOGS/ops-checks.log" "$ops_status"

echo
summary="swift test: $swift_passed passed, $swift_failed failed, $swift_skipped skipped (exit $swift_status)"
for part in "${summary_parts[@]}"; do summary+="; $part"; done
echo "$summary"
echo "summary: $total_passed passed, $total_failed failed, $swift_skipped skipped"
[[ $all_ok == 1 ]]

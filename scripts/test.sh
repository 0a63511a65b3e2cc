#!/usr/bin/env bash
# The project's one test command (CI runs exactly this through .ci/run):
#
#   bash scripts/test.sh [swift test arguments, e.g. --filter ArchestraStoreTests]
#
# 1. `swift test` with a throwaway PostgreSQL cluster, so the store suite runs
#    against real PostgreSQL as well as SQLite (ARCHESTRA_REQUIRE_POSTGRES=1
#    turns a missing database into a failure instead of a silent skip).
# 2. The real-client checks: the official OpenAI, Anthropic and Google Gen AI
#    SDKs and two agent frameworks (pydantic-ai, the OpenAI Agents SDK) against
#    the built gateway, in mock mode (with the refusal checks) and in front of a
#    fake upstream (scripts/sdk-checks/run.sh).
# 3. The fuzzers: each libFuzzer target (Sources/Fuzz) built with the fuzzer and
#    address sanitizers and run for ARCHESTRA_FUZZ_SECONDS (default 20) seconds
#    (scripts/fuzz.sh); a crash is saved under Tests/Fuzz/<target>/regressions/,
#    where step 1 replays it on later runs. 0 replays the kept inputs only.
# 4. The deployment checks: hadolint on the Dockerfile, the Kubernetes manifests
#    rendered with `kubectl kustomize` and validated with kubernetes-validate,
#    plus the properties they rely on (scripts/deploy-checks.sh).
#
# Works as root on a fresh Debian machine with only Swift installed: it
# installs PostgreSQL, the Python venv and kubectl when they are missing, and
# reuses them on later runs. Every stage always runs, so one run reports
# everything; the exit status is non-zero when any failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib/postgres.sh
source scripts/lib/postgres.sh
# shellcheck source=scripts/lib/python.sh
source scripts/lib/python.sh

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

start_test_postgres archestra_test
export ARCHESTRA_TEST_POSTGRES_URL=$TEST_POSTGRES_URL
export ARCHESTRA_REQUIRE_POSTGRES=1

echo "==> swift test $*"
swift_status=0
swift test "$@" 2>&1 | tee "$LOGS/swift-test.log" || swift_status=$?
# Only the Swift tests use the cluster; the gateway below runs on in-memory SQLite.
stop_test_postgres

# The gateway is not a test dependency, so `swift test` may not have built it.
echo "==> swift build --product archestra"
sdk_status=0
if swift build --product archestra >"$LOGS/build.log" 2>&1; then
    bash scripts/sdk-checks/run.sh 2>&1 | tee "$LOGS/sdk-checks.log" || sdk_status=$?
else
    grep -E "error:" "$LOGS/build.log" | sort -u | head -n 20 || tail -n 40 "$LOGS/build.log"
    echo "error: the gateway did not build; real-client checks not run"
    sdk_status=1
fi

# libFuzzer and lld come with the Swift toolchain; the instrumented build has its own scratch folder.
echo "==> fuzzing (scripts/fuzz.sh, ${ARCHESTRA_FUZZ_SECONDS:-20} s per target)"
fuzz_status=0
bash scripts/fuzz.sh "${ARCHESTRA_FUZZ_SECONDS:-20}" 2>&1 | tee "$LOGS/fuzz.log" || fuzz_status=$?

# No Docker engine or cluster needed: rendering, schema validation and linting only.
echo "==> deployment checks (scripts/deploy-checks.sh)"
deploy_status=0
bash scripts/deploy-checks.sh 2>&1 | tee "$LOGS/deploy-checks.log" || deploy_status=$?

# One closing line for people and CI: every test and check counted, with a
# stage that produced no counts (a build failure, say) counted as one failure.
read -r swift_passed swift_failed swift_skipped < <(python3 scripts/lib/swift_test_counts.py "$LOGS/swift-test.log"; echo) || true
swift_passed=${swift_passed:-0} swift_failed=${swift_failed:-0} swift_skipped=${swift_skipped:-0}
if [[ $swift_status != 0 && $swift_failed == 0 ]]; then swift_failed=1; fi
sdk_passed=0 sdk_failed=0
if [[ $(grep -E '^sdk-checks: [0-9]+ passed' "$LOGS/sdk-checks.log" 2>/dev/null | tail -n 1) =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    sdk_passed=${BASH_REMATCH[1]} sdk_failed=${BASH_REMATCH[2]}
fi
if [[ $sdk_status != 0 && $sdk_failed == 0 ]]; then sdk_failed=1; fi
fuzz_passed=0 fuzz_failed=0
if [[ $(grep -E '^fuzz: [0-9]+ passed' "$LOGS/fuzz.log" 2>/dev/null | tail -n 1) =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    fuzz_passed=${BASH_REMATCH[1]} fuzz_failed=${BASH_REMATCH[2]}
fi
if [[ $fuzz_status != 0 && $fuzz_failed == 0 ]]; then fuzz_failed=1; fi
deploy_passed=0 deploy_failed=0
if [[ $(grep -E '^deploy-checks: [0-9]+ passed' "$LOGS/deploy-checks.log" 2>/dev/null | tail -n 1) =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    deploy_passed=${BASH_REMATCH[1]} deploy_failed=${BASH_REMATCH[2]}
fi
if [[ $deploy_status != 0 && $deploy_failed == 0 ]]; then deploy_failed=1; fi

echo
echo "swift test: $swift_passed passed, $swift_failed failed, $swift_skipped skipped (exit $swift_status); sdk checks: $sdk_passed passed, $sdk_failed failed (exit $sdk_status); fuzz: $fuzz_passed passed, $fuzz_failed failed (exit $fuzz_status); deploy checks: $deploy_passed passed, $deploy_failed failed (exit $deploy_status)"
echo "summary: $((swift_passed + sdk_passed + fuzz_passed + deploy_passed)) passed, $((swift_failed + sdk_failed + fuzz_failed + deploy_failed)) failed, $swift_skipped skipped"
[[ $swift_status == 0 && $sdk_status == 0 && $fuzz_status == 0 && $deploy_status == 0 ]]

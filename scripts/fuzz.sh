#!/usr/bin/env bash
# Builds the libFuzzer fuzzers (Sources/Fuzz) and runs each for a bounded time:
#
#   bash scripts/fuzz.sh [seconds-per-target] [target ...]     (default 25 s; targets: json route
#                                                                stream-openai stream-anthropic stream-gemini)
#
# Each fuzzer starts from the inputs kept in Tests/Fuzz/<target>/ (seeds/ and regressions/) plus the corpus it
# grew on earlier runs (.build-fuzz/corpus/<target>/, not committed). An input that crashes the code or breaks
# one of the target's invariants is saved as Tests/Fuzz/<target>/regressions/crash-<sha1>, where `swift test`
# (FuzzRegressionTests) replays it from then on: commit it with the fix. 0 seconds replays the kept inputs only.
#
# The build is `swift build -c release` with -sanitize=fuzzer,address (FUZZ_SANITIZERS to change) and -DFUZZING
# in its own scratch folder (FUZZ_SCRATCH, default .build-fuzz). libFuzzer and lld ship with the Swift toolchain
# on Linux; lld is needed because ld.gold fails on libFuzzer's objects (SwiftPM links `main` to the Swift entry
# point and libFuzzer brings one too; lld lets the former win, gold stops with an internal error).
#
# Prints one line per target (executions, executions per second, corpus size) and, last,
# `fuzz: N passed, N failed`; exits non-zero when a build failed or any target found a crash.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SECONDS_PER_TARGET=${1:-25}
shift || true
ALL_TARGETS=(json route stream-openai stream-anthropic stream-gemini)
TARGETS=("$@")
[[ ${#TARGETS[@]} == 0 ]] && TARGETS=("${ALL_TARGETS[@]}")
SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}
SANITIZERS=${FUZZ_SANITIZERS:-fuzzer,address}
if ! [[ $SECONDS_PER_TARGET =~ ^[0-9]+$ ]]; then
    echo "usage: bash scripts/fuzz.sh [seconds-per-target] [target ...]" >&2
    exit 2
fi
for target in "${TARGETS[@]}"; do
    if [[ " ${ALL_TARGETS[*]} " != *" $target "* ]]; then
        echo "error: unknown fuzz target '$target' (known: ${ALL_TARGETS[*]})" >&2
        exit 2
    fi
done

LOGS=$(mktemp -d /tmp/archestra-fuzz.XXXXXX)
trap 'rm -rf "$LOGS"' EXIT
PASSED=0
FAILED=0

# The Swift runtime's backtracer would take the crash signal before libFuzzer could save the input.
export SWIFT_BACKTRACE=enable=no
# Swift's runtime keeps some allocations for the life of the process; they are not leaks of the code under test.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}

build_flags=(-c release --scratch-path "$SCRATCH" -Xswiftc "-sanitize=$SANITIZERS" -Xswiftc -DFUZZING
    -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld)

echo "==> building ${#TARGETS[@]} fuzzers (swift build ${build_flags[*]})"
build_started=$(date +%s)
BUILT=()
for target in "${TARGETS[@]}"; do
    if swift build "${build_flags[@]}" --product "fuzz-$target" >"$LOGS/build-$target.log" 2>&1; then
        BUILT+=("$target")
    else
        echo "FAIL fuzz-$target did not build:"
        grep -E "error:" "$LOGS/build-$target.log" | sort -u | head -n 20 || tail -n 40 "$LOGS/build-$target.log"
        FAILED=$((FAILED + 1))
    fi
done
echo "    built in $(($(date +%s) - build_started)) s"
BIN=$(swift build "${build_flags[@]}" --show-bin-path 2>/dev/null)

for target in "${BUILT[@]}"; do
    kept=Tests/Fuzz/$target
    corpus=$SCRATCH/corpus/$target
    mkdir -p "$corpus" "$kept/seeds" "$kept/regressions"
    log=$LOGS/run-$target.log
    if [[ $SECONDS_PER_TARGET == 0 ]]; then
        limit=(-runs=0)
    else
        limit=(-max_total_time="$SECONDS_PER_TARGET")
    fi
    # -timeout: one input running this long is a hang, saved like a crash. New corpus entries go to the first
    # folder only, so the kept inputs are read, never written (except the artifact of a failure).
    status=0
    "$BIN/fuzz-$target" "${limit[@]}" -timeout=20 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
        -artifact_prefix="$kept/regressions/" "$corpus" "$kept/seeds" "$kept/regressions" >"$log" 2>&1 || status=$?
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -n 1)
    units=$(find "$corpus" -type f | wc -l)
    if [[ $status == 0 ]]; then
        PASSED=$((PASSED + 1))
        echo "PASS fuzz-$target: ${execs:-?} executions in ${SECONDS_PER_TARGET} s (${rate:-?}/s), corpus $units"
    else
        FAILED=$((FAILED + 1))
        artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -n 1)
        echo "FAIL fuzz-$target (exit $status) after ${execs:-?} executions: ${artifact:-no input saved}"
        grep -E "Fatal error|invariant violated|^  |ERROR: (libFuzzer|AddressSanitizer)|SUMMARY" "$log" | head -n 20 || tail -n 40 "$log"
        if [[ -n $artifact ]]; then
            echo "    replay: swift run fuzz-$target $artifact   (swift test replays it too; commit it with the fix)"
        fi
    fi
done

echo "fuzz: $PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]

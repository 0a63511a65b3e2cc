#!/usr/bin/env bash
# Instructions per request, gateway and reference side by side, over keep-alive connections. Counted by
# valgrind's callgrind across a fixed number of requests after a warm-up: unlike requests per second or CPU time,
# the count does not move with the machine's load, so it is the figure to decide optimisations by. Every thread of
# the server is counted, so the gateway's background work (the interaction log writer, metrics) is in its figure.
#
# Usage: bench/instructions-per-request.sh [--requests N] [--warmup N] [--scenario NAME] [--top N] [--skip-build]
#                                          [--out FILE] [--keep DIR]
#   --keep   copy the callgrind dumps of the counted requests to DIR (for callgrind_annotate --inclusive=yes)
# Output: the table (and the gateway's top functions by own instructions) on stdout, and in --out (default
# bench/results/instructions_<UTC timestamp>.md).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
REQUESTS=2000
WARMUP=500
SCENARIO=chat_with_tools
TOP=10
SKIP_BUILD=
OUT=
KEEP=

while [[ $# -gt 0 ]]; do
    case $1 in
        --requests) REQUESTS=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        --scenario) SCENARIO=$2; shift 2 ;;
        --top) TOP=$2; shift 2 ;;
        --skip-build) SKIP_BUILD=1; shift ;;
        --out) OUT=$2; shift 2 ;;
        --keep) KEEP=$2; shift 2 ;;
        -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
for n in "$REQUESTS" "$WARMUP" "$TOP"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "error: --requests, --warmup and --top must be positive integers" >&2; exit 2; }
done
PAYLOAD=$BENCH_DIR/payloads/${SCENARIO//_/-}.json
[[ -f $PAYLOAD ]] || { echo "error: no payload for scenario '$SCENARIO' ($PAYLOAD)" >&2; exit 2; }

log() { echo "==> $*" >&2; }
missing=()
command -v ab >/dev/null 2>&1 || missing+=(apache2-utils)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# shellcheck source=../scripts/lib/postgres.sh
source "$REPO_DIR/scripts/lib/postgres.sh"
# shellcheck source=lib/servers.sh
source "$BENCH_DIR/lib/servers.sh"

cd "$REPO_DIR"
BIN_DIR=$(release_bin_dir "$SKIP_BUILD")
TOOLCHAIN_BIN=$(dirname "$(command -v swift)")
WORK=$(mktemp -d /tmp/archestra-instructions.XXXXXX)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$BENCH_DIR/results/instructions_$STAMP.md}
mkdir -p "$(dirname "$OUT")"
VALGRIND_PID=
cleanup() {
    stop_server "$VALGRIND_PID" "server under valgrind"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Two things keep valgrind from running a Swift server as built, both worked around here rather than in the build:
# it cannot read the DWARF 5 debug information the toolchain writes (so it runs copies without it; the symbol
# table still names every function), and its rt_sigsuspend wrapper edits the signal mask in place, which crashes
# valgrind itself when libdispatch passes a mask in read-only memory (as Swift's async main does) — a preloaded
# sigsuspend that passes a copy avoids it.
objcopy_tool=$(command -v objcopy || echo "$TOOLCHAIN_BIN/llvm-objcopy")
for name in archestra archestra-reference; do
    "$objcopy_tool" --strip-debug "$BIN_DIR/$name" "$WORK/$name"
done
cc_tool=$(command -v cc || echo "$TOOLCHAIN_BIN/clang")
cat >"$WORK/sigsuspend-copy.c" <<'EOF'
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
int sigsuspend(const sigset_t *mask) { sigset_t copy = *mask; return (int)syscall(SYS_rt_sigsuspend, &copy, 8); }
EOF
"$cc_tool" -O2 -shared -fPIC "$WORK/sigsuspend-copy.c" -o "$WORK/sigsuspend-copy.so"

# count NAME PORT URL -- COMMAND...: starts COMMAND under callgrind with instrumentation off (ten times faster), warms it up, counts
# $REQUESTS keep-alive requests and writes "instructions failed" to $WORK/NAME.result.
count() {
    local name=$1 port=$2 url=$3 dump report failed total
    shift 4
    LD_PRELOAD=$WORK/sigsuspend-copy.so valgrind --tool=callgrind --instr-atstart=no \
        --callgrind-out-file="$WORK/$name.callgrind" "$@" >"$WORK/$name.log" 2>&1 &
    VALGRIND_PID=$!
    # Ten times slower to start under valgrind.
    wait_for_port "$VALGRIND_PID" "$port" "$WORK/$name.log" 300
    ab -q -k -c 10 -n "$WARMUP" -s 120 -T application/json -p "$PAYLOAD" "$url" >/dev/null
    callgrind_control --instr=on "$VALGRIND_PID" >/dev/null 2>&1
    callgrind_control --zero "$VALGRIND_PID" >/dev/null 2>&1
    report=$(ab -k -c 10 -n "$REQUESTS" -s 120 -T application/json -p "$PAYLOAD" "$url")
    # The gateway stores the last records just after their answers: that work belongs to the count.
    [[ $name == reference ]] || sleep 2
    callgrind_control --dump="measured" "$VALGRIND_PID" >/dev/null 2>&1
    stop_server "$VALGRIND_PID" "$name under valgrind"
    VALGRIND_PID=
    dump=$(grep -l "^desc: Trigger: .*measured" "$WORK/$name".callgrind* | head -n 1)
    [[ -n $dump ]] || { echo "error: no callgrind dump for $name; its log:" >&2; tail -n 20 "$WORK/$name.log" >&2; return 1; }
    cp "$dump" "$WORK/$name.measured"
    if [[ -n $KEEP ]]; then mkdir -p "$KEEP" && cp "$dump" "$KEEP/$name.callgrind"; fi
    total=$(awk '/^(summary|totals):/ { print $2; exit }' "$dump")
    failed=$(awk '/Failed requests/ {f = $3} /Non-2xx/ {n = $3} END {print f + n}' <<<"$report")
    echo "$total $failed" >"$WORK/$name.result"
}

port=$(free_port)
log "reference under callgrind: $REQUESTS keep-alive requests after $WARMUP"
count reference "$port" "http://127.0.0.1:$port/v1/openai/chat/completions" -- "$WORK/archestra-reference" "$port"
read -r reference_total reference_failed <"$WORK/reference.result"

port=$(free_port)
log "gateway ($SCENARIO, mock mode, SQLite file) under callgrind: $REQUESTS keep-alive requests after $WARMUP"
BENCHMARK_MOCK_MODE=true ARCHESTRA_HOST=127.0.0.1 ARCHESTRA_PORT=$port DATABASE_URL=sqlite://$WORK/gateway.sqlite LOG_LEVEL=warning \
    count gateway "$port" "http://127.0.0.1:$port/v1/openai/chat/completions" -- "$WORK/archestra" serve
read -r gateway_total gateway_failed <"$WORK/gateway.result"

# The gateway's functions by the instructions spent in their own code, names demangled.
top_functions() {
    callgrind_annotate --inclusive=no --threshold=100 "$WORK/gateway.measured" 2>/dev/null |
        awk '/^ *[0-9,]+ \([ 0-9.]+%\) / && !/PROGRAM TOTALS/ { print }' | head -n "$TOP" |
        "$TOOLCHAIN_BIN/swift-demangle" --simplified |
        awk -v n="$REQUESTS" '{
            count = $1; gsub(",", "", count); share = $2 $3
            $1 = ""; $2 = ""; if ($3 ~ /%\)$/) $3 = ""
            sub(/^ +/, ""); sub(/^[^:]*:/, ""); sub(/ \[[^]]*\]$/, "")
            printf "| %.0f | %s | %s |\n", count / n, share, substr($0, 1, 140)
        }'
}

{
    echo "# Instructions per request ($STAMP)"
    echo
    echo "valgrind --tool=callgrind, ab -k -c 10, $REQUESTS requests counted after $WARMUP unmeasured, scenario $SCENARIO;"
    echo "gateway in benchmark mock mode on a SQLite file. Every thread of the server process is counted."
    echo
    echo "| server | instructions/request | × reference | failed |"
    echo "|---|---|---|---|"
    awk -v r="$reference_total" -v g="$gateway_total" -v n="$REQUESTS" -v rf="$reference_failed" -v gf="$gateway_failed" 'BEGIN {
        printf "| reference | %.0f | 1.00 | %s |\n", r / n, rf
        printf "| gateway | %.0f | %.2f | %s |\n", g / n, g / r, gf
    }'
    echo
    echo "Gateway, top $TOP functions by their own instructions (per request):"
    echo
    echo "| instructions/request | share | function |"
    echo "|---|---|---|"
    top_functions
} | tee "$OUT"
echo "written to $OUT" >&2

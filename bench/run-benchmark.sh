#!/usr/bin/env bash
# Reproduces the original platform's benchmark: Apache Bench against the gateway in benchmark mock
# mode, so no provider is called and what is measured is the gateway's own cost per request. The
# bare reference server (same HTTP stack, no pipeline) is measured the same way as the floor.
# Writes bench/results/summary_<UTC timestamp>.md (raw ab outputs beside it in raw_<timestamp>/) and
# exits non-zero when the database does not hold exactly one interaction per successful request.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

usage() {
    cat <<'EOF'
Usage: bench/run-benchmark.sh [options]

Apache Bench (ab) against `archestra serve` in benchmark mock mode and against
`archestra-reference`, on 127.0.0.1 only.

Options:
  --store postgres|sqlite   database behind the gateway (default: postgres, a throwaway
                            cluster on a free local port, removed on exit)
  --requests N              requests per measured ab run (default: 5000)
  --concurrency "C1 C2"     concurrency levels of the plain runs (default: "10 500");
                            keep-alive (ab -k) runs are always at c=10
  --scenarios "S1 S2"       any of simple_chat chat_with_tools tainted_context responses_with_tools
                            (default: all)
  --warmup N                unmeasured requests per scenario before its runs (default: 300)
  --log-level LEVEL         gateway LOG_LEVEL (default: warning, so logging to a pipe does
                            not become the thing measured)
  --instructions N          requests counted by bench/instructions-per-request.sh (valgrind)
                            for the gateway and the reference, appended to the summary
                            (default: 2000; 0 skips the count)
  --skip-build              use the existing release binaries
  --help                    this text

Output: bench/results/summary_<UTC timestamp>.md, the table on stdout, raw outputs in
bench/results/raw_<UTC timestamp>/. Exit status 3 when the database check fails.
EOF
}

STORE=postgres
REQUESTS=5000
CONCURRENCY="10 500"
SCENARIOS="simple_chat chat_with_tools tainted_context responses_with_tools"
WARMUP=300
LOG_LEVEL_OPT=warning
SKIP_BUILD=
INSTRUCTION_REQUESTS=2000
# The original measured keep-alive only at the low concurrency.
KEEPALIVE_CONCURRENCY=10
# ab's default of 30 s can be too short at c=500 on 2 cores when the backlog queues up.
AB_TIMEOUT=60

need_value() {
    [[ $# -ge 2 && -n $2 ]] || {
        echo "error: $1 needs a value" >&2
        exit 2
    }
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --store) need_value "$@"; STORE=$2; shift 2 ;;
        --store=*) STORE=${1#*=}; shift ;;
        --requests) need_value "$@"; REQUESTS=$2; shift 2 ;;
        --requests=*) REQUESTS=${1#*=}; shift ;;
        --concurrency) need_value "$@"; CONCURRENCY=$2; shift 2 ;;
        --concurrency=*) CONCURRENCY=${1#*=}; shift ;;
        --scenarios) need_value "$@"; SCENARIOS=$2; shift 2 ;;
        --scenarios=*) SCENARIOS=${1#*=}; shift ;;
        --warmup) need_value "$@"; WARMUP=$2; shift 2 ;;
        --warmup=*) WARMUP=${1#*=}; shift ;;
        --log-level) need_value "$@"; LOG_LEVEL_OPT=$2; shift 2 ;;
        --log-level=*) LOG_LEVEL_OPT=${1#*=}; shift ;;
        --instructions) need_value "$@"; INSTRUCTION_REQUESTS=$2; shift 2 ;;
        --instructions=*) INSTRUCTION_REQUESTS=${1#*=}; shift ;;
        --skip-build) SKIP_BUILD=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

# Validate everything before spending minutes on a build.
case $STORE in postgres | sqlite) ;; *) echo "error: --store must be postgres or sqlite" >&2; exit 2 ;; esac
[[ $REQUESTS =~ ^[1-9][0-9]*$ ]] || { echo "error: --requests must be a positive integer" >&2; exit 2; }
[[ $WARMUP =~ ^[0-9]+$ ]] || { echo "error: --warmup must be a non-negative integer" >&2; exit 2; }
[[ $INSTRUCTION_REQUESTS =~ ^[0-9]+$ ]] || { echo "error: --instructions must be a non-negative integer" >&2; exit 2; }
read -r -a CONCURRENCY_LEVELS <<<"$CONCURRENCY"
read -r -a SCENARIO_LIST <<<"$SCENARIOS"
[[ ${#CONCURRENCY_LEVELS[@]} -gt 0 && ${#SCENARIO_LIST[@]} -gt 0 ]] || { echo "error: empty --concurrency or --scenarios" >&2; exit 2; }
MAX_CONCURRENCY=$KEEPALIVE_CONCURRENCY
for c in "${CONCURRENCY_LEVELS[@]}"; do
    [[ $c =~ ^[1-9][0-9]*$ ]] || { echo "error: bad concurrency '$c'" >&2; exit 2; }
    # ab refuses more concurrent clients than requests.
    ((c <= REQUESTS)) || { echo "error: concurrency $c exceeds --requests $REQUESTS" >&2; exit 2; }
    ((c > MAX_CONCURRENCY)) && MAX_CONCURRENCY=$c
done

payload_for() {
    # simple_chat -> simple-chat.json: the file names are the original's, the scenario names its labels.
    echo "$BENCH_DIR/payloads/${1//_/-}.json"
}
for s in "${SCENARIO_LIST[@]}"; do
    case $s in simple_chat | chat_with_tools | tainted_context | responses_with_tools) ;; *) echo "error: unknown scenario '$s'" >&2; exit 2 ;; esac
    [[ -f $(payload_for "$s") ]] || { echo "error: missing payload $(payload_for "$s")" >&2; exit 2; }
done
# The reference is measured with this payload only: its cost barely depends on the body.
REFERENCE_PAYLOAD=$(payload_for chat_with_tools)

# shellcheck source=../scripts/lib/postgres.sh
source "$REPO_DIR/scripts/lib/postgres.sh"
# shellcheck source=lib/servers.sh
source "$BENCH_DIR/lib/servers.sh"
# shellcheck source=lib/store.sh
source "$BENCH_DIR/lib/store.sh"
# shellcheck source=lib/ab.sh
source "$BENCH_DIR/lib/ab.sh"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_DIR=$BENCH_DIR/results
RUN_DIR=$RESULTS_DIR/raw_$STAMP
SUMMARY=$RESULTS_DIR/summary_$STAMP.md
WORK_TMP=
STARTED_AT=$SECONDS

# shellcheck disable=SC2317  # reached through the trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_server "$GATEWAY_PID" gateway
    stop_server "$REFERENCE_PID" reference
    teardown_bench_store || true
    [[ -n $WORK_TMP ]] && rm -rf "$WORK_TMP"
    exit "$rc"
}
trap cleanup EXIT
# Turning signals into exit runs the EXIT trap, so ^C never leaves servers or a cluster behind.
trap 'exit 130' INT
trap 'exit 143' TERM

log() { echo "==> $*"; }

# ---------------------------------------------------------------------------- tools and build

if ! command -v ab >/dev/null 2>&1; then
    log "installing apache2-utils (ab)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq apache2-utils >/dev/null
fi
command -v curl >/dev/null 2>&1 || { echo "error: curl is needed to probe /health and /metrics" >&2; exit 1; }

cd "$REPO_DIR"
if [[ -z $SKIP_BUILD ]]; then
    # One --product per invocation (SwiftPM keeps only the last); the second build reuses the
    # modules the first compiled. SwiftPM waits by itself when another build holds .build.
    log "building release products archestra and archestra-reference"
    swift build -c release --product archestra
    swift build -c release --product archestra-reference
fi
BIN_DIR=$(swift build -c release --show-bin-path)
for bin in "$BIN_DIR/archestra" "$BIN_DIR/archestra-reference"; do
    [[ -x $bin ]] || { echo "error: $bin missing (run without --skip-build)" >&2; exit 1; }
done
BENCH_STARTED_AT=$SECONDS

# Each connection costs a descriptor in ab and one in the server; c=500 needs well over the usual
# 1024. Containers often cap the hard limit below 65535, so settle for the hard limit then.
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if (($(ulimit -n) < 2 * MAX_CONCURRENCY + 256)); then
    echo "warning: open-file limit $(ulimit -n) is low for c=$MAX_CONCURRENCY" >&2
fi

# ------------------------------------------------------------------------------------ servers

mkdir -p "$RUN_DIR/ab" "$RUN_DIR/metrics"
WORK_TMP=$(mktemp -d /tmp/archestra-bench.XXXXXX)
# Others rebuild .build concurrently; private copies keep one binary for the whole run.
cp "$BIN_DIR/archestra" "$BIN_DIR/archestra-reference" "$WORK_TMP/"
GATEWAY_BIN=$WORK_TMP/archestra
REFERENCE_BIN=$WORK_TMP/archestra-reference
META=$RUN_DIR/meta.env
RUNS=$RUN_DIR/runs.tsv
printf 'target\tscenario\tconcurrency\tkeepalive\tphase\tused_r\tab_rc\tfile\trss_kb\tmetrics_before\tmetrics_after\n' >"$RUNS"

{
    echo "started_utc=$(date -u '+%Y-%m-%d %H:%M:%S')"
    echo "store=$STORE"
    echo "requests=$REQUESTS"
    echo "warmup=$WARMUP"
    echo "concurrency=$CONCURRENCY"
    echo "keepalive_concurrency=$KEEPALIVE_CONCURRENCY"
    echo "scenarios=$SCENARIOS"
    echo "ab_timeout=$AB_TIMEOUT"
    echo "log_level=$LOG_LEVEL_OPT"
    echo "nofile=$(ulimit -n)"
    echo "nproc=$(nproc)"
    echo "memory=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "kernel=$(uname -r)"
    echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2016  # the literal "$Revision$" that ab prints
    echo "ab_version=$(ab -V 2>/dev/null | head -n 1 | sed 's/^This is //; s/, Version / /; s/ <\$Revision\$>//')"
    echo "git=$(git rev-parse --short HEAD 2>/dev/null || echo '?') ($(git status --porcelain 2>/dev/null | wc -l) paths modified or untracked)"
} >"$META"

log "store: $STORE"
setup_bench_store "$STORE" "$WORK_TMP"

REFERENCE_PORT=$(free_port)
start_reference "$REFERENCE_BIN" "$REFERENCE_PORT" "$RUN_DIR/reference.log"
log "reference server on 127.0.0.1:$REFERENCE_PORT (pid $REFERENCE_PID)"

GATEWAY_PORT=$(free_port)
start_gateway "$GATEWAY_BIN" "$GATEWAY_PORT" "$BENCH_DATABASE_URL" "$LOG_LEVEL_OPT" "$RUN_DIR/gateway.log"
log "gateway on 127.0.0.1:$GATEWAY_PORT (pid $GATEWAY_PID): $(head -n 1 "$RUN_DIR/gateway.log")"

# ------------------------------------------------------------------------------------ ab runs

log "reference server runs ($REQUESTS requests each)"
measure_target reference chat_with_tools "$REFERENCE_PAYLOAD"

log "gateway runs ($REQUESTS requests each)"
for s in "${SCENARIO_LIST[@]}"; do
    measure_target gateway "$s" "$(payload_for "$s")"
done

# ------------------------------------------------------------------------------- after the load

scrape_metrics metrics_final.txt
# The interaction log is written in batches; give the last batch time to land before counting.
sleep 2
DB_COUNT_2S=$(count_interactions 2>"$RUN_DIR/db_count.err" || echo "")
# Then wait until the count stops moving (at most 30 s more): a writer still catching up with a
# backlog is a lag, not a loss, and the summary says which it was.
DB_COUNT=$DB_COUNT_2S
for _ in $(seq 1 30); do
    sleep 1
    previous=$DB_COUNT
    DB_COUNT=$(count_interactions 2>>"$RUN_DIR/db_count.err" || echo "")
    [[ $DB_COUNT == "$previous" ]] && break
done
{
    echo "db_interactions_2s=$DB_COUNT_2S"
    echo "db_interactions=$DB_COUNT"
    echo "gateway_vmhwm_kb=$(vm_field "$GATEWAY_PID" VmHWM)"
    echo "reference_vmhwm_kb=$(vm_field "$REFERENCE_PID" VmHWM)"
    echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "benchmark_seconds=$((SECONDS - BENCH_STARTED_AT))"
    echo "duration_seconds=$((SECONDS - STARTED_AT))"
} >>"$META"

# Instructions per request: the figure that does not move with the machine's load. Counted on servers of its
# own, after the timed runs, so valgrind's slowness touches none of them.
instructions_rc=0
if ((INSTRUCTION_REQUESTS > 0)); then
    log "instructions per request (valgrind, $INSTRUCTION_REQUESTS requests; about a minute)"
    bash "$BENCH_DIR/instructions-per-request.sh" --skip-build --requests "$INSTRUCTION_REQUESTS" \
        --out "$RUN_DIR/instructions.md" >/dev/null || instructions_rc=$?
fi

# Report before cleanup so a mismatch still leaves a complete summary; its status is ours.
report_rc=0
python3 "$BENCH_DIR/summarize.py" report --run-dir "$RUN_DIR" --out "$SUMMARY" || report_rc=$?
if [[ -f $RUN_DIR/instructions.md ]]; then
    { echo; sed 's/^# /## /' "$RUN_DIR/instructions.md"; } | tee -a "$SUMMARY"
elif ((INSTRUCTION_REQUESTS > 0)); then
    echo "warning: the instruction count failed (exit $instructions_rc); the timed results above stand" >&2
fi
log "benchmark took $((SECONDS - BENCH_STARTED_AT)) s (total with build $((SECONDS - STARTED_AT)) s)"
exit "$report_rc"

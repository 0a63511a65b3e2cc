#!/usr/bin/env bash
# Server CPU time per request and peak memory, gateway and reference side by side, over keep-alive connections
# (where SDK clients live). The CPU time is the kernel's own accounting of the server process (user + system,
# /proc/PID/stat) across a fixed number of requests, so load generator and machine noise weigh less on it than on
# requests per second. Each server is started once and measured over three successive runs, which also shows
# whether its memory keeps growing.
#
# Usage: bench/cpu-per-request.sh [--requests N] [--runs N] [--scenario NAME] [--database-url URL] [--skip-build]
#   --database-url   the gateway's database (default: a new SQLite file; an in-memory store would count its rows
#                    as the gateway's memory)
# Output: the table on stdout and in bench/results/cpu_<UTC timestamp>.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
REQUESTS=20000
RUNS=3
WARMUP=2000
SCENARIO=chat_with_tools
DATABASE_URL_OPT=
SKIP_BUILD=

while [[ $# -gt 0 ]]; do
    case $1 in
        --requests) REQUESTS=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --scenario) SCENARIO=$2; shift 2 ;;
        --database-url) DATABASE_URL_OPT=$2; shift 2 ;;
        --skip-build) SKIP_BUILD=1; shift ;;
        -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $REQUESTS =~ ^[1-9][0-9]*$ && $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "error: --requests and --runs must be positive integers" >&2; exit 2; }
PAYLOAD=$BENCH_DIR/payloads/${SCENARIO//_/-}.json
[[ -f $PAYLOAD ]] || { echo "error: no payload for scenario '$SCENARIO' ($PAYLOAD)" >&2; exit 2; }

log() { echo "==> $*" >&2; }
if ! command -v ab >/dev/null 2>&1; then
    log "installing apache2-utils (ab)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq apache2-utils >/dev/null
fi

# shellcheck source=../scripts/lib/postgres.sh
source "$REPO_DIR/scripts/lib/postgres.sh"
# shellcheck source=lib/servers.sh
source "$BENCH_DIR/lib/servers.sh"

cd "$REPO_DIR"
BIN_DIR=$(release_bin_dir "$SKIP_BUILD")
WORK=$(mktemp -d /tmp/archestra-cpu.XXXXXX)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$BENCH_DIR/results/cpu_$STAMP.md
DATABASE_URL_OPT=${DATABASE_URL_OPT:-sqlite://$WORK/gateway.sqlite}
mkdir -p "$BENCH_DIR/results"
cleanup() {
    stop_server "$GATEWAY_PID" gateway
    stop_server "$REFERENCE_PID" reference
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

TICKS=$(getconf CLK_TCK)
# CPU seconds (user + system) the process has used so far.
cpu_seconds() { awk -v t="$TICKS" '{print ($14 + $15) / t}' "/proc/$1/stat"; }

# runs NAME PID URL: one table row per run.
runs() {
    local name=$1 pid=$2 url=$3 run before after report rate p99 failed
    ab -q -k -c 10 -n "$WARMUP" -T application/json -p "$PAYLOAD" "$url" >/dev/null
    for run in $(seq 1 "$RUNS"); do
        before=$(cpu_seconds "$pid")
        report=$(ab -k -c 10 -n "$REQUESTS" -T application/json -p "$PAYLOAD" "$url")
        # The gateway stores the last records just after their answers: that work belongs to the run.
        [[ $name == reference ]] || sleep 1
        after=$(cpu_seconds "$pid")
        rate=$(awk '/Requests per second/ {print $4}' <<<"$report")
        p99=$(awk '/ 99% / {print $2}' <<<"$report")
        failed=$(awk '/Failed requests/ {f = $3} /Non-2xx/ {n = $3} END {print f + n}' <<<"$report")
        printf '| %s | %s | %.1f | %s | %s | %s | %s |\n' "$name" "$run" \
            "$(awk -v a="$after" -v b="$before" -v n="$REQUESTS" 'BEGIN {print (a - b) * 1e6 / n}')" \
            "$rate" "$p99" "$(($(vm_field "$pid" VmHWM) / 1024))" "$failed"
    done
}

port=$(free_port)
start_reference "$BIN_DIR/archestra-reference" "$port" "$WORK/reference.log"
log "reference: $RUNS runs of $REQUESTS keep-alive requests after $WARMUP"
reference_rows=$(runs reference "$REFERENCE_PID" "http://127.0.0.1:$port/v1/openai/chat/completions")
stop_server "$REFERENCE_PID" reference
REFERENCE_PID=

port=$(free_port)
start_gateway "$BIN_DIR/archestra" "$port" "$DATABASE_URL_OPT" warning "$WORK/gateway.log"
log "gateway ($SCENARIO): $RUNS runs of $REQUESTS keep-alive requests after $WARMUP"
gateway_rows=$(runs gateway "$GATEWAY_PID" "http://127.0.0.1:$port/v1/openai/chat/completions")

{
    echo "# Server CPU per request ($STAMP)"
    echo
    echo "ab -k -c 10, $REQUESTS requests per run after $WARMUP, scenario $SCENARIO; gateway in benchmark mock mode"
    echo "on $( [[ $DATABASE_URL_OPT == sqlite* ]] && echo "a SQLite file" || echo "PostgreSQL" ). CPU: user + system time of the server process per request. Peak: VmHWM after the run."
    echo
    echo "| server | run | CPU µs/request | req/s | p99 ms | peak MiB | failed |"
    echo "|---|---|---|---|---|---|---|"
    echo "$reference_rows"
    echo "$gateway_rows"
} | tee "$OUT"
echo "written to $OUT" >&2

# shellcheck shell=bash
# One ab invocation per call, recorded for summarize.py. Sourced by run-benchmark.sh, whose globals
# it reads: RUN_DIR, RUNS (runs.tsv), BENCH_DIR, AB_TIMEOUT, WARMUP, REQUESTS, CONCURRENCY_LEVELS,
# KEEPALIVE_CONCURRENCY, GATEWAY_PORT/GATEWAY_PID, REFERENCE_PORT/REFERENCE_PID.

scrape_metrics() {
    curl -fsS --max-time 10 -o "$RUN_DIR/$1" "http://127.0.0.1:$GATEWAY_PORT/metrics" 2>/dev/null || : >"$RUN_DIR/$1"
}

# A dead server would make every later run fail in the same way; stop with its log instead.
ensure_alive() {
    local pid=$1 name=$2 logfile=$3
    if ! process_running "$pid"; then
        echo "error: the $name (pid $pid) died during the benchmark; last log lines:" >&2
        tail -n 40 "$logfile" >&2 || true
        exit 1
    fi
}

# run_ab TARGET SCENARIO CONCURRENCY KEEPALIVE(0|1) PHASE(warmup|measure) REQUESTS PAYLOAD
# Appends one row per ab invocation to runs.tsv; summarize.py reads everything from there.
run_ab() {
    local target=$1 scenario=$2 conc=$3 ka=$4 phase=$5 n=$6 payload=$7
    local port=${GATEWAY_PORT:-} pid=${GATEWAY_PID:-} logfile=$RUN_DIR/gateway.log
    if [[ $target == reference ]]; then port=$REFERENCE_PORT pid=$REFERENCE_PID logfile=$RUN_DIR/reference.log; fi
    local url=http://127.0.0.1:$port/v1/openai/chat/completions
    [[ $scenario == responses_* ]] && url=http://127.0.0.1:$port/v1/openai/responses
    local args=(-q -n "$n" -c "$conc" -s "$AB_TIMEOUT" -T application/json -p "$payload") ka_flag=
    if [[ $ka == 1 ]]; then
        args+=(-k)
        ka_flag=-k
    fi
    local base=${target}_${scenario}_c${conc}${ka_flag/-k/_k}_${phase}
    local used_r=0 rc file before after rss
    while :; do
        file=ab/$base.txt
        [[ $used_r == 0 ]] || file=ab/${base}_r.txt
        before=''
        after=''
        if [[ $target == gateway ]]; then
            before=metrics/${base}_before.txt
            scrape_metrics "$before"
        fi
        rc=0
        # -e: the percentiles again as CSV, with sub-millisecond resolution.
        ab "${args[@]}" -e "$RUN_DIR/${file%.txt}.csv" "$url" >"$RUN_DIR/$file" 2>&1 || rc=$?
        rss=$(vm_field "$pid" VmRSS)
        if [[ $target == gateway ]]; then
            after=metrics/${base}_after.txt
            scrape_metrics "$after"
        fi
        if [[ $rc == 0 || $used_r == 1 ]]; then
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$scenario" "$conc" "$ka" "$phase" "$used_r" "$rc" \
                "$file" "$rss" "$before" "$after" >>"$RUNS"
            break
        fi
        # ab without -r gives up at the first receive error (a reset connection), which at c=500
        # can be the server shedding load. Keep the aborted attempt (its completed requests
        # reached the gateway and count for the DB check) and measure again with -r, flagged.
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$scenario" "$conc" "$ka" aborted 0 "$rc" \
            "$file" "$rss" "$before" "$after" >>"$RUNS"
        echo "    ab exited $rc: $(grep -E '^(apr_|Total of)' "$RUN_DIR/$file" | tr '\n' ' ')— retrying with ab -r" >&2
        args+=(-r)
        used_r=1
    done
    ensure_alive "$pid" "$target" "$logfile"
    printf '    %-9s %-16s c=%-4s %-3s %-7s %s\n' "$target" "$scenario" "$conc" "$ka_flag" "$phase" \
        "$(python3 "$BENCH_DIR/summarize.py" line "$RUN_DIR/$file")"
}

# Warm-up: lets connection pools, caches and the default agent settle before anything is measured.
measure_target() {
    local target=$1 scenario=$2 payload=$3 c
    if ((WARMUP > 0)); then
        run_ab "$target" "$scenario" "$((WARMUP < 10 ? WARMUP : 10))" 0 warmup "$WARMUP" "$payload"
    fi
    for c in "${CONCURRENCY_LEVELS[@]}"; do
        run_ab "$target" "$scenario" "$c" 0 measure "$REQUESTS" "$payload"
    done
    run_ab "$target" "$scenario" "$KEEPALIVE_CONCURRENCY" 1 measure "$REQUESTS" "$payload"
}

#!/usr/bin/env python3
"""Turns the raw output of bench/run-benchmark.sh into the summary (Markdown file + stdout).

Standard library only, so the harness runs on a bare machine. Subcommands:

  line FILE                         one-line digest of an ab output (progress output of the harness)
  report --run-dir DIR --out FILE   parse every run listed in DIR/runs.tsv, write the summary, print
                                    the tables; exit status 3 when the database check fails

The harness writes DIR/meta.env (key=value), DIR/runs.tsv (one row per ab invocation) and the raw ab
outputs and /metrics scrapes it names; this script only reads them, so a summary can be rebuilt later.
"""

import argparse
import math
import os
import re
import sys

# The figures the Node.js original published for the same method (2 vCPUs, PostgreSQL).
ORIGINAL = {
    "c10": {"rps": 155.0, "p50": 25, "p95": 31, "p99": 41},
    "c500": {"rps": 272.0},
    "memory_mb": 222,
}

PERCENTILES = (50, 66, 75, 80, 90, 95, 98, 99, 100)


# ---------------------------------------------------------------------------------------------- ab


def parse_ab(text):
    """The numbers of one ab run. Missing fields stay None: an aborted ab prints almost nothing."""
    result = {
        "complete": None, "failed": None, "connect": 0, "receive": 0, "length": 0, "exceptions": 0,
        "non2xx": 0, "rps": None, "mean_ms": None, "keepalive_requests": None, "pct": {},
        "aborted_total": None, "errors": [],
    }

    def number(pattern, cast=float):
        match = re.search(pattern, text, re.MULTILINE)
        return cast(match.group(1)) if match else None

    result["complete"] = number(r"^Complete requests:\s+(\d+)", int)
    result["failed"] = number(r"^Failed requests:\s+(\d+)", int)
    breakdown = re.search(r"\(Connect: (\d+), Receive: (\d+), Length: (\d+), Exceptions: (\d+)\)", text)
    if breakdown:
        for key, value in zip(("connect", "receive", "length", "exceptions"), breakdown.groups()):
            result[key] = int(value)
    result["non2xx"] = number(r"^Non-2xx responses:\s+(\d+)", int) or 0
    result["rps"] = number(r"^Requests per second:\s+([\d.]+)")
    # The first "Time per request" is the mean per request; the second divides by the concurrency.
    result["mean_ms"] = number(r"^Time per request:\s+([\d.]+) \[ms\] \(mean\)$")
    result["keepalive_requests"] = number(r"^Keep-Alive requests:\s+(\d+)", int)
    for pct, value in re.findall(r"^\s+(\d+)%\s+(\d+)", text, re.MULTILINE):
        result["pct"][int(pct)] = int(value)
    # When ab gives up (e.g. a reset connection without -r) it only says how far it got.
    result["aborted_total"] = number(r"Total of (\d+) requests completed", int)
    result["errors"] = [line.strip() for line in text.splitlines()
                        if line.startswith("apr_") or "error" in line.lower() or line.startswith("Total of ")]
    return result


def parse_ab_csv(text):
    """ab -e: the same samples as the text table, but with sub-millisecond resolution."""
    pct = {}
    for line in text.splitlines():
        parts = line.strip().split(",")
        if len(parts) == 2 and parts[0].isdigit():
            try:
                pct[int(parts[0])] = float(parts[1])
            except ValueError:
                pass
    return pct


def successes(ab, concurrency):
    """Bounds (low, high) on the requests of one ab run that the gateway answered, hence logged.

    Clean run: exactly the completed requests. ab's "Failed requests" is not a request count (one reset
    connection can add a Receive, a Length and an Exception failure), and a request the client saw fail may
    still have been answered and logged, so with failures the low bound assumes every failure signal was a
    distinct unlogged request and the high bound that all completed requests were logged. Connect failures
    never reach "Complete requests". An aborted ab only says "Total of N requests completed"; up to
    concurrency - 1 requests still in flight may have reached the gateway as well.
    """
    if ab["complete"] is None:
        done = ab["aborted_total"] or 0
        return done, done + max(0, concurrency - 1)
    done = ab["complete"]
    failures = ab["receive"] + ab["length"] + ab["exceptions"] + ab["non2xx"]
    if not failures and ab["failed"]:
        failures = ab["failed"]  # a breakdown ab did not print
    return max(0, done - failures), done


def failed_text(ab, used_r):
    if ab["complete"] is None:
        return "ab aborted after %s" % (ab["aborted_total"] if ab["aborted_total"] is not None else "?")
    parts = [str(ab["failed"] or 0)]
    detail = ["%s %d" % (name.capitalize(), ab[name]) for name in ("connect", "receive", "length", "exceptions") if ab[name]]
    if detail:
        parts.append("(" + ", ".join(detail) + ")")
    if ab["non2xx"]:
        parts.append("+ %d non-2xx" % ab["non2xx"])
    if used_r:
        parts.append("[ab -r]")
    return " ".join(parts)


# ------------------------------------------------------------------------------------------ metrics


def parse_histogram(text, name):
    """Cumulative bucket counts of one histogram family, summed over its label sets: {le: count}."""
    buckets = {}
    if not text:
        return buckets
    pattern = re.compile(r"^" + re.escape(name) + r"_bucket\{(.*)\}\s+([0-9.eE+-]+)\s*$")
    for line in text.splitlines():
        match = pattern.match(line)
        if not match:
            continue
        le = re.search(r'le="([^"]+)"', match.group(1))
        if not le:
            continue
        bound = math.inf if le.group(1) in ("+Inf", "Inf") else float(le.group(1))
        buckets[bound] = buckets.get(bound, 0.0) + float(match.group(2))
    return buckets


def gauge(text, name):
    """A gauge's value summed over its label sets, or None when the family is absent."""
    values = re.findall(r"^" + re.escape(name) + r"(?:\{[^}]*\})?\s+([0-9.eE+-]+)\s*$", text or "", re.MULTILINE)
    return sum(float(v) for v in values) if values else None


def histogram_delta(after, before):
    return {le: count - before.get(le, 0.0) for le, count in after.items()}


def histogram_quantile(buckets, q):
    """Prometheus' histogram_quantile: linear interpolation inside the bucket holding the rank."""
    if not buckets:
        return None
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]
    if total <= 0:
        return None
    rank = q * total
    previous_bound, previous_count = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return previous_bound  # beyond the last finite bucket: the best honest answer
            if count == previous_count:
                return bound
            return previous_bound + (bound - previous_bound) * (rank - previous_count) / (count - previous_count)
        previous_bound, previous_count = bound, count
    return previous_bound


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except (OSError, TypeError):
        return ""


def micro(seconds):
    return "n/a" if seconds is None else ("%.0f µs" % (seconds * 1e6) if seconds < 0.001 else "%.2f ms" % (seconds * 1e3))


# ------------------------------------------------------------------------------------------ report


def read_meta(path):
    meta = {}
    for line in read_text(path).splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            meta[key.strip()] = value
    return meta


def read_runs(run_dir):
    rows = []
    lines = read_text(os.path.join(run_dir, "runs.tsv")).splitlines()
    if not lines:
        return rows
    header = lines[0].split("\t")
    for line in lines[1:]:
        if not line.strip():
            continue
        row = dict(zip(header, line.split("\t")))
        row["concurrency"] = int(row["concurrency"])
        row["keepalive"] = row["keepalive"] == "1"
        row["used_r"] = row["used_r"] == "1"
        row["ab"] = parse_ab(read_text(os.path.join(run_dir, row["file"])))
        row["ab"]["pct_fine"] = parse_ab_csv(read_text(os.path.join(run_dir, row["file"][:-4] + ".csv")))
        rows.append(row)
    return rows


def fmt(value, digits=0):
    if value is None:
        return "n/a"
    return ("%." + str(digits) + "f") % value


def mb(kb_text):
    try:
        return "%.1f MiB" % (int(kb_text) / 1024.0)
    except (TypeError, ValueError):
        return "n/a"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(out)


def pct(ab, p):
    """The percentile from ab's CSV (0.1 ms) when present, else ab's whole-millisecond table."""
    fine = ab.get("pct_fine") or {}
    if p in fine:
        return "%.1f" % fine[p]
    return fmt(ab["pct"].get(p))


def result_row(row, with_ratio, reference_rps):
    ab = row["ab"]
    cells = [
        row["scenario"], row["concurrency"], "yes" if row["keepalive"] else "no", fmt(ab["rps"], 1), fmt(ab["mean_ms"], 2),
        pct(ab, 50), pct(ab, 95), pct(ab, 99), failed_text(ab, row["used_r"]),
    ]
    if with_ratio:
        ref = reference_rps.get((row["concurrency"], row["keepalive"]))
        cells.append("%.2f" % (ab["rps"] / ref) if ref and ab["rps"] else "n/a")
    return cells


def report(run_dir, out_path):
    meta = read_meta(os.path.join(run_dir, "meta.env"))
    runs = read_runs(run_dir)
    measured = [r for r in runs if r["phase"] == "measure"]
    gateway = [r for r in measured if r["target"] == "gateway"]
    reference = [r for r in measured if r["target"] == "reference"]
    reference_rps = {(r["concurrency"], r["keepalive"]): r["ab"]["rps"] for r in reference}

    header = ["Scenario", "Concurrency", "Keep-alive", "Throughput (req/s)", "Mean (ms)", "p50 (ms)", "p95 (ms)", "p99 (ms)", "Failed"]
    gateway_table = table(header + ["× reference req/s"], [result_row(r, True, reference_rps) for r in gateway])
    reference_table = table(header, [result_row(r, False, reference_rps) for r in reference])

    # Database check: every successful answer the gateway gave (warm-ups and aborted runs included).
    low = high = 0
    for row in runs:
        if row["target"] != "gateway":
            continue
        row_low, row_high = successes(row["ab"], row["concurrency"])
        low += row_low
        high += row_high
    db_count = meta.get("db_interactions", "")
    try:
        db_value = int(db_count)
    except ValueError:
        db_value = None
    db_ok = db_value is not None and low <= db_value <= high
    db_error = read_text(os.path.join(run_dir, "db_count.err")).strip()
    if low == high:
        db_line = "%s: interactions in the database = %s, successful pipeline requests sent to the gateway = %d" % (
            "OK" if db_ok else "MISMATCH", db_count or "unreadable", low)
    else:
        db_line = ("%s: interactions in the database = %s, successful pipeline requests sent to the gateway = %d to %d "
                   "(ab saw failures or aborted, so only a range is known)") % (
            "OK" if db_ok else "MISMATCH", db_count or "unreadable", low, high)

    # The gateway's own overhead, per run from the difference of the scrapes around it, and overall.
    family = "archestra_gateway_overhead_seconds"
    overhead_rows = []
    for row in gateway:
        before = parse_histogram(read_text(os.path.join(run_dir, row.get("metrics_before", ""))), family)
        after = parse_histogram(read_text(os.path.join(run_dir, row.get("metrics_after", ""))), family)
        delta = histogram_delta(after, before) if after else {}
        overhead_rows.append([
            row["scenario"], row["concurrency"], "yes" if row["keepalive"] else "no",
            int(delta.get(math.inf, 0)) if delta else "n/a",
            micro(histogram_quantile(delta, 0.5)), micro(histogram_quantile(delta, 0.99)),
        ])
    final_metrics = read_text(os.path.join(run_dir, "metrics_final.txt"))
    overall = parse_histogram(final_metrics, family)
    if overall:
        overhead_overall = "overall (all %d requests incl. warm-ups): p50 ≈ %s, p99 ≈ %s" % (
            int(overall.get(math.inf, 0)), micro(histogram_quantile(overall, 0.5)), micro(histogram_quantile(overall, 0.99)))
    else:
        overhead_overall = "`%s` not present in GET /metrics" % family

    # The log writer's backlog explains memory: every queued interaction holds its request and response.
    queue_family = "archestra_interaction_log_queue_depth"
    memory_rows = []
    for r in gateway:
        depth = gauge(read_text(os.path.join(run_dir, r.get("metrics_after", ""))), queue_family)
        memory_rows.append([r["scenario"], r["concurrency"], "yes" if r["keepalive"] else "no", mb(r.get("rss_kb")),
                            "n/a" if depth is None else "%d" % depth])

    any_r = [r for r in runs if r["used_r"]]
    aborted = [r for r in runs if r["phase"] == "aborted"]
    notes = []
    if any_r:
        notes.append("ab -r (keep going after receive errors) was needed for: " + ", ".join(
            "%s %s c=%d%s" % (r["target"], r["scenario"], r["concurrency"], " -k" if r["keepalive"] else "") for r in any_r))
    for r in aborted:
        notes.append("aborted ab run (retried with -r), raw output %s: %s" % (r["file"], "; ".join(r["ab"]["errors"]) or "no message"))
    if db_error:
        notes.append("reading the interaction count printed: " + db_error.replace("\n", " / "))
    count_2s = meta.get("db_interactions_2s", "")
    if count_2s and count_2s != db_count:
        notes.append("the interaction count was still changing after the load: %s rows at 2 s, %s rows once it settled" % (count_2s, db_count))
    for r in measured:
        ab = r["ab"]
        if r["keepalive"] and ab["complete"] and (ab["keepalive_requests"] or 0) < ab["complete"]:
            notes.append("%s %s c=%d -k: only %s of %d requests reused a connection" % (
                r["target"], r["scenario"], r["concurrency"], ab["keepalive_requests"], ab["complete"]))

    md = []
    md.append("# Archestra for Swift — gateway benchmark (Apache Bench, benchmark mock mode)\n")
    md.append("- Started (UTC): %s; wall time of the harness: %s s" % (meta.get("started_utc", "?"), meta.get("duration_seconds", "?")))
    md.append("- Machine: %s CPUs (nproc), %s memory, CPU: %s; kernel %s" % (
        meta.get("nproc", "?"), meta.get("memory", "?"), meta.get("cpu_model", "?"), meta.get("kernel", "?")))
    md.append("- Load average (1/5/15 min) at start: %s; at end: %s" % (meta.get("load_start", "?"), meta.get("load_end", "?")))
    md.append("- Store: %s; requests per run: %s; warm-up: %s requests per scenario at c=10 (not measured, counted for the DB check)" % (
        meta.get("store", "?"), meta.get("requests", "?"), meta.get("warmup", "?")))
    md.append("- Concurrency: %s; keep-alive runs at c=%s; ab timeout %s s; open-file limit %s; gateway LOG_LEVEL=%s" % (
        meta.get("concurrency", "?"), meta.get("keepalive_concurrency", "?"), meta.get("ab_timeout", "?"),
        meta.get("nofile", "?"), meta.get("log_level", "?")))
    md.append("- Tool: %s; source: %s" % (meta.get("ab_version", "ab"), meta.get("git", "?")))
    md.append("- Percentiles: from ab's `-e` CSV (same samples as its \"Percentage of the requests served\" table, "
              "0.1 ms instead of whole ms); time per request is ab's mean per request (not across concurrent requests)")
    md.append("- Client, gateway, reference and database share the machine; every load run targets 127.0.0.1 only.\n")
    md.append("Method of the original platform: `ab -n N -c C -T application/json -p <payload>` against "
              "`POST /v1/openai/chat/completions` with `BENCHMARK_MOCK_MODE=true`, so no provider is called and the "
              "numbers are the gateway's own cost (HTTP, JSON, agent and tool bookkeeping, policies, logging the "
              "interaction to the database). `archestra-reference` is the floor: same HTTP stack, reads and parses "
              "the body, answers a canned completion (measured with the chat_with_tools payload).\n")
    md.append("## Gateway\n")
    md.append(gateway_table + "\n")
    md.append("## Reference server (archestra-reference, chat_with_tools payload)\n")
    md.append(reference_table + "\n")
    md.append("## Peak memory (VmHWM at the end)\n")
    md.append("- gateway: %s\n- reference: %s\n" % (mb(meta.get("gateway_vmhwm_kb")), mb(meta.get("reference_vmhwm_kb"))))
    md.append("Gateway resident memory (VmRSS) after each measured run, with the interaction log writer's queue "
              "(`%s` scraped right after the run: the backlog when the writer last took a batch; pending "
              "interactions hold their request and response in memory):\n" % queue_family)
    md.append(table(["Scenario", "Concurrency", "Keep-alive", "VmRSS after", "Log queue after"], memory_rows) + "\n")
    md.append("## Gateway's own overhead (`archestra_gateway_overhead_seconds`, estimated from histogram buckets)\n")
    md.append("- " + overhead_overall + "\n")
    md.append("Per measured run (difference of the /metrics scrapes before and after the run):\n")
    md.append(table(["Scenario", "Concurrency", "Keep-alive", "Requests", "Overhead p50", "Overhead p99"], overhead_rows) + "\n")
    md.append("## Database check\n")
    md.append(db_line + "\n")
    if notes:
        md.append("## Notes\n")
        md.extend("- " + n for n in notes)
        md.append("")
    md.append("## Original (Node.js) published figures\n")
    md.append(table(["Scenario", "Concurrency", "Throughput (req/s)", "p50 (ms)", "p95 (ms)", "p99 (ms)", "Memory"], [
        ["(published)", 10, ORIGINAL["c10"]["rps"], ORIGINAL["c10"]["p50"], ORIGINAL["c10"]["p95"], ORIGINAL["c10"]["p99"], "%d MB" % ORIGINAL["memory_mb"]],
        ["(published)", 500, ORIGINAL["c500"]["rps"], "n/a", "n/a", "n/a", ""],
    ]))
    md.append("\nNode.js original on 2 vCPUs with PostgreSQL, same tool and mock mode.\n")

    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(md))

    print("\nGateway (store: %s, %s requests per run)" % (meta.get("store", "?"), meta.get("requests", "?")))
    print(gateway_table)
    print("\nReference server")
    print(reference_table)
    print("\nPeak memory: gateway %s, reference %s" % (mb(meta.get("gateway_vmhwm_kb")), mb(meta.get("reference_vmhwm_kb"))))
    print("Gateway overhead: " + overhead_overall)
    for n in notes:
        print("Note: " + n)
    print(db_line)
    print("Summary written to %s" % out_path)
    return 0 if db_ok else 3


def line(path):
    ab = parse_ab(read_text(path))
    if ab["complete"] is None:
        print("ab aborted: " + ("; ".join(ab["errors"]) or "no output"))
        return
    extra = ""
    if ab["keepalive_requests"] is not None:
        extra = ", keep-alive reused %d" % ab["keepalive_requests"]
    print("%s req/s, mean %s ms, p50/p95/p99 %s/%s/%s ms, complete %d, failed %s%s" % (
        fmt(ab["rps"], 1), fmt(ab["mean_ms"], 2), fmt(ab["pct"].get(50)), fmt(ab["pct"].get(95)), fmt(ab["pct"].get(99)),
        ab["complete"], failed_text(ab, False), extra))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("line").add_argument("file")
    rep = sub.add_parser("report")
    rep.add_argument("--run-dir", required=True)
    rep.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.command == "line":
        line(args.file)
        return 0
    return report(args.run_dir, args.out)


if __name__ == "__main__":
    sys.exit(main())

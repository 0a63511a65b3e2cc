"""Operations fault checks: the built gateway driven from outside against a real
PostgreSQL cluster that is stopped and started under it, SIGTERM and SIGKILL
under load, and two instances behind HAProxy sharing one database.

Usage (run.sh prepares the cluster and passes its facts):
  ops_check.py --bin GATEWAY --pg-bin DIR --pg-dir DIR --pg-port PORT
               --haproxy HAPROXY --payload FILE --work DIR

Standard library only. Every process started here is written to WORK/pids (so
run.sh can kill what a killed run left behind) and stopped before exit.
Last line: `N passed, M failed`.
"""

import argparse
import http.client
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

MOCK_TOOL = "list_files"
UNTRUSTED_TOOL = "get_emails"
REFUSAL_MARK = "I was denied by a tool invocation policy"
# How long before the first refused connection a reset still counts as the
# listener closing rather than a request dropped by the gateway.
CLOSE_RACE_SECONDS = 0.1
# How long /ready may take to notice a stopped database: the probe asks every
# 5 s and counts an answer slower than 3 s only the second time in a row.
OUTAGE_NOTICE_SECONDS = 20
CHAT_ROUTE_LABEL = 'route="/v1/openai/chat/completions"'
CRASH_MARKS = ("Fatal error", "Program crashed", "Stack dump", "Backtrace", "Segmentation fault")


def log(message):
    print(message, flush=True)


# ---------------------------------------------------------------- processes

class Processes:
    """Everything started here, so nothing outlives the run however it ends."""

    def __init__(self, work):
        self.pid_file = os.path.join(work, "pids")
        self.live = []

    def add(self, process):
        self.live.append(process)
        with open(self.pid_file, "a") as f:
            f.write(f"{process.pid}\n")

    def kill_all(self):
        for process in self.live:
            if process.poll() is None:
                process.kill()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """The throwaway cluster run.sh started; stopped and started again mid-check."""

    def __init__(self, bin_dir, data_dir, port):
        self.bin_dir, self.dir, self.port = bin_dir, data_dir, port
        self.data = os.path.join(data_dir, "data")
        # The options the cluster was first started with (port, socket dir,
        # no fsync), so a restart comes back exactly as it was.
        with open(os.path.join(self.data, "postmaster.opts")) as f:
            words = shlex.split(f.read())[1:]
        options, skip = [], False
        for word in words:
            if skip:
                skip = False
            elif word == "-D":
                skip = True
            else:
                options.append(word)
        self.options = shlex.join(options)

    def _pg_ctl(self, *args, check=True):
        # PostgreSQL refuses to run as root; its tools also want a working
        # directory the postgres user may enter.
        command = ["runuser", "-u", "postgres", "--", os.path.join(self.bin_dir, "pg_ctl"), "-D", self.data, *args]
        result = subprocess.run(command, cwd="/tmp", capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise RuntimeError(f"pg_ctl {args[-1]} failed: {result.stderr.strip()}")
        return result.returncode

    def stop(self):
        self._pg_ctl("-m", "fast", "-w", "-t", "20", "stop")

    def start(self):
        self._pg_ctl("-l", os.path.join(self.dir, "server.log"), "-w", "-t", "30", "-o", self.options, "start")

    def running(self):
        return self._pg_ctl("status", check=False) == 0

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def sql(self, database, statement):
        """Runs one statement; the unaligned, tuples-only output."""
        command = [os.path.join(self.bin_dir, "psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1",
                   f"postgres://postgres@127.0.0.1:{self.port}/{database}", "-c", statement]
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def create_database(self, name):
        self.sql("postgres", f"CREATE DATABASE {name}")

    def count(self, database, where=""):
        if where:
            return int(self.sql(database, "SELECT count(*) FROM interactions i JOIN agents a ON a.id = i.agent_id "
                                          f"WHERE {where}"))
        return int(self.sql(database, "SELECT count(*) FROM interactions"))


class Gateway:
    """One `archestra serve` process in mock mode on its own port."""

    def __init__(self, ctx, name, database, port=None, **settings):
        self.name = name
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(ctx.work, f"gateway-{name}.log")
        # Settings a developer may have exported must not change what is seen;
        # the provider URLs point at the discard port, so nothing leaves the machine.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("ARCHESTRA_") and k not in
               ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "BENCHMARK_MOCK_MODE", "DATABASE_URL", "LOG_FORMAT")}
        env.update(ARCHESTRA_HOST="127.0.0.1", ARCHESTRA_PORT=str(self.port), DATABASE_URL=ctx.pg.url(database),
                   BENCHMARK_MOCK_MODE="true", ARCHESTRA_OPENAI_BASE_URL="http://127.0.0.1:9",
                   ARCHESTRA_ANTHROPIC_BASE_URL="http://127.0.0.1:9", ARCHESTRA_GEMINI_BASE_URL="http://127.0.0.1:9")
        # The gateway's own default is a per-port folder in /tmp, which would
        # outlive the run; this one goes with WORK, and a restart on the same
        # port finds it again as a real restart would.
        env["ARCHESTRA_LOG_SPILL_DIR"] = os.path.join(ctx.work, f"spill-{self.port}")
        env.update({k: str(v) for k, v in settings.items()})
        with open(self.log_path, "a") as out:
            self.process = subprocess.Popen([ctx.bin, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)
        ctx.processes.add(self.process)
        self.pid = self.process.pid

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gateway {self.name} exited with {self.process.returncode} while starting")
            if get_status(self.url + "/ready") == 200:
                return
            time.sleep(0.05)
        raise AssertionError(f"gateway {self.name} not ready within {timeout}s")

    def send(self, signum):
        self.process.send_signal(signum)

    def wait_exit(self, timeout):
        """The exit status, or None if it still runs after `timeout` seconds."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=20):
        """SIGTERM and wait; killed if it overstays. Its exit status."""
        if self.process.poll() is not None:
            return self.process.returncode
        self.send(signal.SIGTERM)
        status = self.wait_exit(timeout)
        if status is None:
            self.process.kill()
            self.process.wait()
        return status

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def metric(self, name, label=""):
        """A metric's value summed over its label sets (those holding `label`); None when absent."""
        status, body, _ = http_call("GET", self.url + "/metrics")
        if status != 200:
            return None
        total, seen = 0.0, False
        for line in body.decode("utf-8", "replace").splitlines():
            if (line.startswith(name + " ") or line.startswith(name + "{")) and label in line:
                total += float(line.rsplit(" ", 1)[1])
                seen = True
        return total if seen else None


class HAProxy:
    """HAProxy round-robin in front of the given gateways, checking /ready."""

    def __init__(self, ctx, backends):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = os.path.join(ctx.work, "haproxy.cfg")
        servers = "\n".join(f"    server {name} 127.0.0.1:{port} check" for name, port in backends)
        # Health checks every 200 ms that take an instance out at its first 503
        # (a draining or cut-off instance) and back after two 200s; a refused
        # connection is retried on the other instance.
        with open(config, "w") as f:
            f.write(f"""global
    maxconn 512
defaults
    mode http
    timeout connect 1s
    timeout client 15s
    timeout server 15s
    retries 3
    option redispatch 1
    retry-on conn-failure
frontend gateway
    bind 127.0.0.1:{self.port}
    default_backend gateways
backend gateways
    balance roundrobin
    option httpchk GET /ready
    http-check expect status 200
    default-server inter 200ms fastinter 200ms downinter 200ms fall 1 rise 2
{servers}
""")
        self.log_path = os.path.join(ctx.work, "haproxy.log")
        with open(self.log_path, "a") as out:
            self.process = subprocess.Popen([ctx.haproxy, "-db", "-f", config], stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)
        ctx.processes.add(self.process)

    def wait_serving(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"haproxy exited with {self.process.returncode}: {open(self.log_path).read()[-500:]}")
            if get_status(self.url + "/ready") == 200:
                return
            time.sleep(0.05)
        raise AssertionError(f"haproxy not serving within {timeout}s")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


# ---------------------------------------------------------------- HTTP

def http_call(method, url, body=None, headers=None, timeout=10):
    """(status, body bytes, headers); connection errors are raised."""
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        all_headers = {"Connection": "close"}
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        connection.request(method, "/" + path, body=data, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.read(), response
    finally:
        connection.close()


def get_status(url):
    try:
        return http_call("GET", url, timeout=2)[0]
    except OSError:
        return None
    except http.client.HTTPException:
        return None


def get_json(url):
    status, body, _ = http_call("GET", url)
    assert status == 200, f"GET {url} answered {status}: {body[:200]!r}"
    return json.loads(body)


def send_json(method, url, body):
    status, raw, _ = http_call(method, url, body)
    assert status in (200, 201), f"{method} {url} answered {status}: {raw[:300]!r}"
    return json.loads(raw)


def chat(base, agent, payload, timeout=10):
    """One proxied chat completion as `agent` (its user agent): (status, body, response)."""
    return http_call("POST", base + "/v1/openai/chat/completions", payload, {"User-Agent": agent}, timeout=timeout)


def refused(body):
    """Whether a 200 chat reply is the refusal rather than the mock's tool call."""
    message = json.loads(body)["choices"][0]["message"]
    if message.get("tool_calls"):
        return False
    assert REFUSAL_MARK in (message.get("content") or ""), f"neither a tool call nor a refusal: {message!r}"
    return True


# ---------------------------------------------------------------- load

class Load:
    """Client threads, each sending as one agent back to back until stopped,
    every request's outcome kept: "ok" (200), "refused" (connection refused:
    nothing listens any more), "status NNN" or the error's name."""

    def __init__(self, base, agents, payload, threads_per_agent=2, pause=0.005):
        self.base, self.payload, self.pause = base, payload, pause
        self.results = []  # (agent, started, finished, outcome)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.stop_on_refused = False
        self.threads = [threading.Thread(target=self._run, args=(agent,), daemon=True)
                        for agent in agents for _ in range(threads_per_agent)]

    def _run(self, agent):
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                status, _, _ = chat(self.base, agent, self.payload)
                outcome = "ok" if status == 200 else f"status {status}"
            except ConnectionRefusedError:
                outcome = "refused"
            except Exception as error:  # a reset, a timeout, a half answer: all failures
                outcome = type(error).__name__
            with self.lock:
                self.results.append((agent, started, time.monotonic(), outcome))
            if outcome == "refused" and self.stop_on_refused:
                return
            time.sleep(self.pause if outcome != "refused" else 0.05)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=20)

    def __exit__(self, *exc):
        self.stop()

    def snapshot(self):
        with self.lock:
            return list(self.results)

    def count(self, outcome, results=None):
        return sum(1 for r in (results if results is not None else self.snapshot()) if r[3] == outcome)

    def failures(self, results=None):
        return [r for r in (results if results is not None else self.snapshot()) if r[3] not in ("ok", "refused")]


def describe_failures(failures, since):
    kinds = {}
    for _, started, _, outcome in failures:
        kinds.setdefault(outcome, []).append(round(started - since, 2))
    return "; ".join(f"{k} x{len(v)} (at {v[:5]} s)" for k, v in kinds.items())


class ReadyWatch:
    """Polls /ready every `interval` seconds in the background: [(time, status)]."""

    def __init__(self, url, interval=0.05):
        self.url, self.interval = url + "/ready", interval
        self.samples = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stopping.is_set():
            self.samples.append((time.monotonic(), get_status(self.url)))
            time.sleep(self.interval)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(timeout=5)

    def first(self, status, after):
        return next((t for t, s in list(self.samples) if t >= after and s == status), None)


def wait_until(predicate, timeout, interval=0.05):
    """Time taken until predicate() is true, or None."""
    started = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            return None
        time.sleep(interval)


def wait_for_count(pg, database, expected, timeout, where=""):
    """Polls the stored interactions until there are `expected`; the last count."""
    deadline = time.monotonic() + timeout
    while True:
        count = pg.count(database, where)
        if count == expected or time.monotonic() > deadline:
            return count
        time.sleep(0.2)


# ---------------------------------------------------------------- checks

class Context:
    def __init__(self, args):
        self.bin, self.haproxy, self.work = args.bin, args.haproxy, args.work
        self.pg = Postgres(args.pg_bin, args.pg_dir, args.pg_port)
        self.processes = Processes(args.work)
        with open(args.payload) as f:
            self.tainted = json.load(f)
        self.gateways = []
        self.passed = self.failed = 0

    def gateway(self, name, database, **settings):
        gateway = Gateway(self, name, database, **settings)
        self.gateways.append(gateway)
        return gateway

    def run(self, name, function):
        started, first_gateway = time.monotonic(), len(self.gateways)
        try:
            detail = function()
        except Exception as error:
            self.failed += 1
            if isinstance(error, AssertionError):
                reason = str(error)
            else:
                where = " > ".join(f"{os.path.basename(f.filename)}:{f.lineno}"
                                   for f in traceback.extract_tb(error.__traceback__)[1:])
                reason = f"{type(error).__name__}: {error} [{where}]"
            log(f"FAIL [ops] {name}: {reason} ({time.monotonic() - started:.1f}s)")
            self.show_logs(self.gateways[first_gateway:])
            # What a failed check left behind must not fail the next ones too.
            for gateway in self.gateways[first_gateway:]:
                gateway.process.kill()
                gateway.process.wait()
            return False
        finally:
            if not self.pg.running():
                self.pg.start()
        self.passed += 1
        log(f"PASS [ops] {name}: {detail} ({time.monotonic() - started:.1f}s)")
        return True

    @staticmethod
    def show_logs(gateways):
        for gateway in gateways:
            # Access lines and the pool's reconnection attempts would bury the lines that explain a failure.
            lines = [line for line in gateway.log_text().splitlines()
                     if "info archestra: request " not in line and "Connection creation failed" not in line]
            log(f"---- gateway output ({gateway.name}, without access lines) ----")
            log("\n".join(lines[-20:]))
        if gateways:
            log("---- end of gateway output ----")


def make_known(base, agents, payload):
    """One answered request per agent, so each exists in the database."""
    for agent in agents:
        status, body, _ = chat(base, agent, payload)
        assert status == 200, f"first request of {agent} answered {status}: {body[:200]!r}"
    return len(agents)


def check_outage(ctx):
    """Known agents are served through a database outage; every answer is stored afterwards."""
    db = "ops_outage"
    ctx.pg.create_database(db)
    gw = ctx.gateway("outage", db)
    gw.wait_ready()
    agents = ["ops-outage-alpha", "ops-outage-beta", "ops-outage-gamma"]
    warmup = make_known(gw.url, agents, ctx.tainted)
    with ReadyWatch(gw.url) as ready, Load(gw.url, agents, ctx.tainted) as load:
        time.sleep(1.0)
        stopped_at = time.monotonic()
        ctx.pg.stop()
        # A failed write shows the outage at once; otherwise the probe (every
        # 5 s, a slow answer counted the second time) has to see it.
        noticed = wait_until(lambda: ready.first(503, stopped_at) is not None, OUTAGE_NOTICE_SECONDS)
        assert noticed is not None, f"/ready never answered 503 within {OUTAGE_NOTICE_SECONDS} s of the database stopping"
        status, body, response = chat(gw.url, "ops-outage-newcomer", ctx.tainted)
        assert status == 503, f"a new agent during the outage got {status}, expected 503: {body[:200]!r}"
        assert response.getheader("Retry-After"), "the new agent's 503 has no Retry-After"
        status, body, _ = http_call("GET", gw.url + "/api/agents")
        assert status == 503, f"GET /api/agents during the outage answered {status}, expected 503"
        time.sleep(max(0.0, 5.0 - (time.monotonic() - stopped_at)))
        db_up_during = gw.metric("archestra_database_up")
        restarted_at = time.monotonic()
        outage = restarted_at - stopped_at
        ctx.pg.start()
        recovered = wait_until(lambda: ready.first(200, restarted_at) is not None, 25)
        assert recovered is not None, "/ready still 503 25 s after the database came back"
        time.sleep(1.0)
        load.stop()
    results = load.snapshot()
    failures = load.failures(results)
    during = [r for r in results if stopped_at <= r[1] <= restarted_at]
    assert db_up_during == 0.0, f"archestra_database_up during the outage: {db_up_during}"
    assert not failures, f"{len(failures)} of {len(results)} requests failed: {describe_failures(failures, stopped_at)}"
    assert load.count("refused", results) == 0, "connections refused while the gateway ran"
    assert during, "no request was sent while the database was down"
    answered = warmup + load.count("ok", results)
    stored = wait_for_count(ctx.pg, db, answered, 20)
    assert stored == answered, f"{answered} requests answered 200 but {stored} interactions stored after 20 s"
    dropped = gw.metric("archestra_interaction_log_dropped_total") or 0
    assert dropped == 0, f"archestra_interaction_log_dropped_total = {dropped}"
    status = gw.stop()
    assert status == 0, f"gateway exited with {status} after SIGTERM"
    return (f"{len(results)} requests from 3 known agents, {len(during)} during a {outage:.1f}s outage, all 200; "
            f"/ready 503 after {noticed:.1f}s, 200 again {recovered:.1f}s after the restart; "
            f"{stored}/{answered} answers stored; new agent 503 with Retry-After, /api/agents 503")


def check_sigterm(ctx):
    """SIGTERM under load: /ready 503 at once, requests served through the drain, exit 0, nothing lost."""
    db = "ops_sigterm"
    ctx.pg.create_database(db)
    drain = 2.0
    gw = ctx.gateway("sigterm", db, ARCHESTRA_SHUTDOWN_DRAIN_SECONDS=int(drain))
    gw.wait_ready()
    agents = ["ops-sigterm-alpha", "ops-sigterm-beta", "ops-sigterm-gamma"]
    warmup = make_known(gw.url, agents, ctx.tainted)
    with ReadyWatch(gw.url, interval=0.02) as ready, Load(gw.url, agents, ctx.tainted) as load:
        load.stop_on_refused = True
        time.sleep(1.0)
        term_at = time.monotonic()
        gw.send(signal.SIGTERM)
        status = gw.wait_exit(drain + 20)
        exited_at = time.monotonic()
        load.stop()
    assert status is not None, f"still running {drain + 20:.0f}s after SIGTERM"
    assert status == 0, f"exit status {status} after SIGTERM"
    not_ready = ready.first(503, term_at)
    assert not_ready is not None, "/ready never answered 503 after SIGTERM"
    not_ready -= term_at
    assert not_ready <= 1.0, f"/ready turned 503 only {not_ready:.2f}s after SIGTERM"
    results = load.snapshot()
    # Closing a listening socket resets the connections the kernel had already
    # completed but the server had not yet read (TCP gives no way to close
    # gracefully on them): the same moment as "refused", seen a few ms earlier.
    closed_at = min((r[1] for r in results if r[3] == "refused"), default=exited_at)
    at_close = [r for r in load.failures(results)
                if not r[3].startswith("status") and r[1] >= closed_at - CLOSE_RACE_SECONDS]
    failures = [r for r in load.failures(results) if r not in at_close]
    assert not failures, f"{len(failures)} of {len(results)} requests failed: {describe_failures(failures, term_at)}"
    assert len(at_close) <= 2 * len(load.threads), (
        f"{len(at_close)} connections reset as the listener closed: {describe_failures(at_close, term_at)}")
    in_drain = [r for r in results if r[3] == "ok" and term_at + not_ready < r[1]]
    assert in_drain, "no request was answered after /ready turned 503 (the drain served nothing)"
    refused_early = [r for r in results if r[3] == "refused" and r[1] < term_at + drain * 0.75]
    assert not refused_early, f"{len(refused_early)} connections refused during the {drain:.0f}s drain"
    answered = warmup + load.count("ok", results)
    stored = wait_for_count(ctx.pg, db, answered, 5)
    assert stored == answered, f"{answered} requests answered 200 but {stored} interactions stored"
    return (f"{len(results)} requests, {load.count('ok', results)} 200 ({len(in_drain)} during the drain), "
            f"0 failed, {load.count('refused', results)} refused after the listener closed "
            f"({len(at_close)} reset as it closed{': ' + describe_failures(at_close, term_at) if at_close else ''}); /ready 503 "
            f"{not_ready * 1000:.0f}ms after SIGTERM; exit 0 after {exited_at - term_at:.1f}s; {stored}/{answered} stored")


def settle_then_warm(base, agent, payload):
    """Lets the change announcements of an agent's first request (its tools were
    discovered) arrive, then sends again so that its cached state is fresh. A
    known agent whose cached state was dropped by a change is check_cold_agent's
    case, not this one's."""
    time.sleep(1.2)
    status, body, _ = chat(base, agent, payload)
    assert status == 200, f"second request of {agent} answered {status}: {body[:200]!r}"
    return 1


def check_spill_restart(ctx):
    """SIGTERM while the database is away: waiting records go to the spill file and are stored by the next start."""
    db = "ops_spill"
    ctx.pg.create_database(db)
    spill = os.path.join(ctx.work, "spill-restart")
    # Short drain and timeout: nothing is in flight at the SIGTERM, and the stage should stay quick.
    settings = dict(ARCHESTRA_LOG_SPILL_DIR=spill, ARCHESTRA_SHUTDOWN_DRAIN_SECONDS=1,
                    ARCHESTRA_SHUTDOWN_TIMEOUT_SECONDS=3)
    gw = ctx.gateway("spill-1", db, **settings)
    gw.wait_ready()
    agent = "ops-spill-alpha"
    warmup = make_known(gw.url, [agent], ctx.tainted) + settle_then_warm(gw.url, agent, ctx.tainted)
    assert wait_for_count(ctx.pg, db, warmup, 5) == warmup, "the first requests were not stored"
    ctx.pg.stop()
    try:
        sent = 25
        for i in range(sent):
            status, body, _ = chat(gw.url, agent, ctx.tainted, timeout=5)
            assert status == 200, f"request {i} during the outage answered {status}: {body[:200]!r}"
        term_at = time.monotonic()
        status = gw.stop(timeout=30)
        took = time.monotonic() - term_at
        assert status == 0, f"exit status {status} after SIGTERM during the outage"
        spilled = sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(spill) for f in files)
        # Each record holds the whole request (about 2 KB here); a few bytes are bookkeeping only.
        assert spilled > 1024, f"only {spilled} bytes in the spill folder {spill} after the gateway exited"
    finally:
        ctx.pg.start()
    gw2 = ctx.gateway("spill-2", db, **settings)
    gw2.wait_ready()
    answered = warmup + sent
    took_store = wait_until(lambda: ctx.pg.count(db) == answered, 20, interval=0.2)
    stored = ctx.pg.count(db)
    assert took_store is not None, f"{answered} requests answered 200 but {stored} stored 20 s after the restart"
    status = gw2.stop()
    assert status == 0, f"second gateway exited with {status}"
    stored = ctx.pg.count(db)
    assert stored == answered, f"{stored} interactions stored after the second gateway stopped, expected {answered} (replayed twice?)"
    return (f"{sent} requests answered during the outage, exit 0 {took:.1f}s after SIGTERM with {spilled} bytes spilled; "
            f"all {stored}/{answered} stored {took_store:.1f}s after the next start")


def check_cold_agent(ctx):
    """A known agent is served from memory when the database goes away after an admin change dropped the
    instance's cached copy of it (and before the agent's next request loaded it again)."""
    db = "ops_cold"
    ctx.pg.create_database(db)
    gw = ctx.gateway("cold", db)
    gw.wait_ready()
    agent = "ops-cold-alpha"
    make_known(gw.url, [agent], ctx.tainted)
    settle_then_warm(gw.url, agent, ctx.tainted)
    agent_id = next(a["id"] for a in get_json(gw.url + "/api/agents") if a["name"].startswith(agent))
    tool = next(t for t in get_json(f"{gw.url}/api/tools?agentId={agent_id}") if t["name"] == MOCK_TOOL)
    # An operator's change, heard by this instance like any other.
    send_json("PATCH", f"{gw.url}/api/tools/{tool['id']}", {"allowUsageWhenUntrustedDataIsPresent": False})
    time.sleep(1.0)
    ctx.pg.stop()
    try:
        started = time.monotonic()
        try:
            status, body, _ = chat(gw.url, agent, ctx.tainted, timeout=5)
            outcome = f"answered {status} after {time.monotonic() - started:.1f}s: {body[:160]!r}"
        except (OSError, http.client.HTTPException) as error:
            status, outcome = None, f"no answer within 5 s ({type(error).__name__})"
        took = time.monotonic() - started
    finally:
        ctx.pg.start()
        # Not a shutdown check: a request still hanging would only make SIGTERM wait for it.
        gw.process.kill()
        gw.process.wait()
    # The gateway's bound: a request waits at most 3 s for a database that stopped answering (usually not at
    # all: the change listener's lost connection already marked it unreachable).
    assert status == 200 and took < 3.5, (
        f"the known agent's request, sent just after the database stopped (1 s after an admin change), {outcome}")
    return f"the known agent answered 200 in {took * 1000:.0f}ms with the database stopped just after an admin change"


# How often the pair's instances exchange their limit counters.
PAIR_LIMIT_SYNC_SECONDS = 0.25


class Pair:
    """Two gateways on one database behind HAProxy."""

    def __init__(self, ctx):
        self.db = "ops_pair"
        ctx.pg.create_database(self.db)
        self.settings = dict(ARCHESTRA_SHUTDOWN_DRAIN_SECONDS=2,
                             ARCHESTRA_LIMIT_SYNC_INTERVAL_MS=int(PAIR_LIMIT_SYNC_SECONDS * 1000))
        self.ctx = ctx
        self.a = ctx.gateway("pair-a", self.db, **self.settings)
        self.a.wait_ready()  # one runs the migrations first
        self.b = ctx.gateway("pair-b", self.db, **self.settings)
        self.b.wait_ready()
        self.proxy = HAProxy(ctx, [("a", self.a.port), ("b", self.b.port)])
        self.proxy.wait_serving()
        self.agent = "ops-pair-policy"
        self.tools = {}
        self.policy_id = None

    def restart_a(self):
        self.a = self.ctx.gateway("pair-a2", self.db, port=self.a.port, **self.settings)
        self.a.wait_ready()

    def stop(self):
        self.proxy.stop()


def converge(gateway, payload, agent, want_refused, timeout):
    """Seconds until `gateway` answers as the policy now says, probing every 20 ms; None if it never did."""
    def applied():
        status, body, _ = chat(gateway.url, agent, payload)
        assert status == 200, f"probe answered {status}: {body[:200]!r}"
        return refused(body) == want_refused
    return wait_until(applied, timeout, interval=0.02)


def check_policy_across(ctx, pair):
    """A trust flag changed through instance A is in effect on instance B's proxy within 1 s."""
    status, body, _ = chat(pair.b.url, pair.agent, ctx.tainted)
    assert status == 200 and refused(body), f"B did not refuse the tainted call before the change: {status} {body[:200]!r}"
    agent_id = next(a["id"] for a in get_json(pair.a.url + "/api/agents") if a["name"].startswith(pair.agent))
    # Discovery records tools off the request path.
    found = wait_until(lambda: pair.tools.update(
        {t["name"]: t["id"] for t in get_json(f"{pair.a.url}/api/tools?agentId={agent_id}")}
    ) or {UNTRUSTED_TOOL, MOCK_TOOL} <= pair.tools.keys(), 5)
    assert found is not None, f"tools of {pair.agent} not discovered within 5 s: {sorted(pair.tools)}"
    send_json("PATCH", f"{pair.a.url}/api/tools/{pair.tools[UNTRUSTED_TOOL]}", {"dataIsTrustedByDefault": True})
    took = converge(pair.b, ctx.tainted, pair.agent, want_refused=False, timeout=3)
    assert took is not None, "B still refused 3 s after A marked the tool's data trusted"
    assert took <= 1.0, f"B applied A's change only after {took:.2f}s (allowed: 1 s)"
    return f"B stopped refusing {took * 1000:.0f}ms after A's PATCH answered"


def listener_backends(pg, db, gateway):
    """pg_stat_activity pids of the LISTEN connections that belong to `gateway` (matched by its sockets)."""
    inodes = set()
    fd_dir = f"/proc/{gateway.pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == pg.port:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    if not ports:
        return []
    rows = pg.sql(db, "SELECT pid FROM pg_stat_activity WHERE query ILIKE 'LISTEN%' "
                      f"AND client_port IN ({','.join(map(str, sorted(ports)))})")
    return [int(p) for p in rows.split()]


def check_lost_notification(ctx, pair):
    """B's LISTEN connection is cut, then A creates a blocking policy: B still applies it, and listens again."""
    before = listener_backends(ctx.pg, pair.db, pair.b)
    assert len(before) == 1, f"expected one LISTEN connection of B in pg_stat_activity, found {before}"
    ctx.pg.sql(pair.db, f"SELECT pg_terminate_backend({before[0]})")
    policy = send_json("POST", f"{pair.a.url}/api/autonomy-policies/tool-invocation", {
        "toolId": pair.tools[MOCK_TOOL], "argumentName": "path", "operator": "equal", "value": ".",
        "action": "block_always", "reason": "ops check: no listing"})
    pair.policy_id = policy["id"]
    took = converge(pair.b, ctx.tainted, pair.agent, want_refused=True, timeout=4)
    assert took is not None, "B still allowed the call 4 s after A's new policy (its LISTEN connection had been cut)"
    assert took <= 1.5, f"B applied the policy only after {took:.2f}s (allowed: 1.5 s)"
    relisten = wait_until(lambda: listener_backends(ctx.pg, pair.db, pair.b) not in ([], before), 5)
    assert relisten is not None, "B did not open a new LISTEN connection within 5 s"
    return f"B refused {took * 1000:.0f}ms after A's POST answered; B listening again after {relisten:.1f}s more"


def check_version_backstop(ctx, pair):
    """A change whose notification never goes out (triggers bypassed for the session, the change version bumped
    by hand) reaches both instances through the periodic version check alone."""
    ctx.pg.sql(pair.db, "BEGIN; SET LOCAL session_replication_role = replica; "
                        f"DELETE FROM tool_invocation_policies WHERE id = '{pair.policy_id}'; "
                        "UPDATE config_version SET version = version + 1 WHERE id = 1; COMMIT;")
    took_b = converge(pair.b, ctx.tainted, pair.agent, want_refused=False, timeout=4)
    took_a = converge(pair.a, ctx.tainted, pair.agent, want_refused=False, timeout=4)
    if took_b is None:
        version = ctx.pg.sql(pair.db, "SELECT version FROM config_version WHERE id = 1").strip()
        with open(pair.b.log_path, errors="replace") as log_file:
            tail = log_file.read()[-1500:]
        raise AssertionError(f"B never applied the silent change within 4 s (change version now {version}; "
                             f"B's log ends: {tail!r})")
    assert took_b <= 1.5, f"B applied the silent change only after {took_b:.2f}s (version check every 0.5 s)"
    assert took_a is not None, "A never applied the silent change within 4 s"
    return f"B applied a policy deletion sent without notification after {took_b * 1000:.0f}ms, A by then too"


def pair_load_where(prefix):
    return f"a.name LIKE '{prefix}%'"


def check_pair_sigterm(ctx, pair):
    """Load through HAProxy while instance A drains and stops: no failed request, every answer stored."""
    prefix = "ops-drain-"
    agents = [prefix + n for n in ("alpha", "beta", "gamma")]
    warmup = make_known(pair.proxy.url, agents, ctx.tainted)
    with Load(pair.proxy.url, agents, ctx.tainted) as load:
        time.sleep(1.0)
        served = [g.metric("http_request_duration_seconds_count", CHAT_ROUTE_LABEL) or 0 for g in (pair.a, pair.b)]
        term_at = time.monotonic()
        pair.a.send(signal.SIGTERM)
        status = pair.a.wait_exit(25)
        exited = time.monotonic() - term_at
        time.sleep(1.0)
        load.stop()
    results = load.snapshot()
    failures = load.failures(results) + [r for r in results if r[3] == "refused"]
    assert status == 0, f"A exited with {status} after SIGTERM"
    assert not failures, f"{len(failures)} of {len(results)} requests through HAProxy failed: {describe_failures(failures, term_at)}"
    assert all(served), f"HAProxy did not spread the load before the SIGTERM (chat requests served by A, B: {served})"
    answered = warmup + load.count("ok", results)
    stored = wait_for_count(ctx.pg, pair.db, answered, 10, pair_load_where(prefix))
    assert stored == answered, f"{answered} answered through HAProxy, {stored} stored"
    after = sum(1 for r in results if r[1] > term_at + exited)
    return (f"{len(results)} requests through HAProxy (A and B had served {served[0]:.0f} and {served[1]:.0f} "
            f"chat requests), 0 failed ({after} after A exited {exited:.1f}s after SIGTERM, exit 0); "
            f"{stored}/{answered} stored")


def check_pair_kill(ctx, pair, clients):
    """SIGKILL of instance B under load through HAProxy: A keeps serving, few failures; lost records reported."""
    pair.restart_a()
    # Back in HAProxy's rotation after two good checks.
    time.sleep(0.8)
    prefix = "ops-kill-"
    agents = [prefix + n for n in ("alpha", "beta", "gamma")]
    warmup = make_known(pair.proxy.url, agents, ctx.tainted)
    with Load(pair.proxy.url, agents, ctx.tainted, threads_per_agent=clients // 3) as load:
        time.sleep(1.0)
        kill_at = time.monotonic()
        pair.b.send(signal.SIGKILL)
        pair.b.wait_exit(5)
        time.sleep(2.0)
        load.stop()
    results = load.snapshot()
    failures = load.failures(results) + [r for r in results if r[3] == "refused"]
    late = [r for r in failures if r[1] > kill_at + 1.0]
    after = [r for r in results if r[1] > kill_at + 1.0 and r[3] == "ok"]
    assert after, "nothing answered through HAProxy after B was killed"
    assert not late, f"{len(late)} requests failed more than 1 s after the kill: {describe_failures(late, kill_at)}"
    assert len(failures) <= clients, f"{len(failures)} requests failed (more than the {clients} clients): {describe_failures(failures, kill_at)}"
    answered = warmup + load.count("ok", results)
    # A flushes within its batch interval; what B had not flushed is gone.
    time.sleep(1.5)
    stored = ctx.pg.count(pair.db, pair_load_where(prefix))
    status = pair.a.stop()
    assert status == 0, f"A exited with {status} after SIGTERM"
    return (f"{len(results)} requests through HAProxy, {len(failures)} failed around the kill "
            f"({describe_failures(failures, kill_at) or 'none'}), {len(after)} answered by A afterwards; "
            f"{answered} answered, {stored} stored ({answered - stored} lost with B's unflushed batch)")


def check_pair_shared_limit(ctx, pair):
    """One agent's token budget, spent through HAProxy on both instances at full speed: together they admit the
    budget and at most what the other instance admits in two exchange intervals (plus the requests in flight)."""
    agent = "ops-limit-shared"
    clients = 4
    make_known(pair.proxy.url, [agent], ctx.tainted)
    agent_id = next(a["id"] for a in get_json(pair.a.url + "/api/agents") if a["name"] == agent)
    # The mock's reply reports 99 tokens: the budget lasts several exchange intervals at full speed.
    per_request, allowed = 99, 3000
    send_json("POST", f"{pair.a.url}/api/limits", {"agentId": agent_id, "kind": "tokens_per_day", "value": per_request * allowed})
    with Load(pair.proxy.url, [agent], ctx.tainted, threads_per_agent=clients, pause=0) as load:
        first_refusal = wait_until(lambda: load.count("status 429") > 0, 60, interval=0.02)
        # Long enough for both instances to have heard: every request after this must be refused.
        time.sleep(4 * PAIR_LIMIT_SYNC_SECONDS)
        tail_from = time.monotonic()
        time.sleep(1.0)
        load.stop()
    results = load.snapshot()
    assert first_refusal is not None, "no request was refused within 60 s"
    failures = [r for r in results if r[3] not in ("ok", "status 429")]
    assert not failures, f"{len(failures)} requests neither answered nor refused: {describe_failures(failures, tail_from)}"
    admitted = load.count("ok", results) + 1  # the first request, made before the limit, spent from the same day
    late = [r for r in results if r[1] > tail_from and r[3] == "ok"]
    assert not late, f"{len(late)} requests admitted after both instances should have known the budget was spent"
    started = min(r[1] for r in results)
    spent_at = min(r[2] for r in results if r[3] == "status 429")
    rate = sum(1 for r in results if r[3] == "ok" and r[2] <= spent_at) / max(spent_at - started, 0.001)
    # Each instance serves about half; the other's admissions in two intervals, plus what was in flight.
    bound = rate / 2 * 2 * PAIR_LIMIT_SYNC_SECONDS + clients
    overshoot = admitted - allowed
    assert admitted >= allowed, f"only {admitted} requests admitted for a budget of {allowed}"
    assert overshoot <= bound, (f"{admitted} admitted for a budget of {allowed}: {overshoot} over, more than the stated "
                                f"bound of {bound:.0f} at {rate:.0f} req/s")
    stored = int(ctx.pg.sql(pair.db, "SELECT COALESCE(SUM(amount), 0) FROM limit_counters "
                                     f"WHERE scope = '{agent_id}' AND kind = 'tokens_per_day'").strip())
    return (f"budget {allowed} requests ({allowed * per_request} tokens) at {rate:.0f} req/s through both instances: "
            f"{admitted} admitted ({overshoot} over; stated bound {bound:.0f}), every later request refused with 429; "
            f"shared counter {stored} tokens")


def check_no_crash(ctx):
    """No gateway printed a crash report or backtrace."""
    crashed = [g.name for g in ctx.gateways if any(mark in g.log_text() for mark in CRASH_MARKS)]
    assert not crashed, f"crash report in the output of {crashed}"
    return f"{len(ctx.gateways)} gateway runs, no crash report"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("bin", "pg-bin", "pg-dir", "haproxy", "payload", "work"):
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--pg-port", type=int, required=True)
    args = parser.parse_args()
    # A TERM from run.sh ends the run through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ctx = Context(args)
    started = time.monotonic()
    try:
        ctx.run("database outage under load", lambda: check_outage(ctx))
        ctx.run("SIGTERM under load drains", lambda: check_sigterm(ctx))
        ctx.run("SIGTERM during an outage, records survive a restart", lambda: check_spill_restart(ctx))
        ctx.run("database outage just after an admin change", lambda: check_cold_agent(ctx))
        pair = None
        try:
            pair = Pair(ctx)
        except Exception as error:
            ctx.failed += 1
            log(f"FAIL [ops] two instances behind HAProxy did not start: {error}")
        if pair is not None:
            try:
                ctx.run("two instances: a change through A takes effect on B", lambda: check_policy_across(ctx, pair))
                if pair.tools:
                    if ctx.run("two instances: a lost change notification still converges",
                               lambda: check_lost_notification(ctx, pair)):
                        ctx.run("two instances: the change-version check alone converges",
                                lambda: check_version_backstop(ctx, pair))
                ctx.run("two instances: one shared usage limit", lambda: check_pair_shared_limit(ctx, pair))
                ctx.run("two instances: SIGTERM of one behind HAProxy loses nothing", lambda: check_pair_sigterm(ctx, pair))
                ctx.run("two instances: SIGKILL of one behind HAProxy", lambda: check_pair_kill(ctx, pair, clients=6))
            finally:
                pair.stop()
        ctx.run("no crash reports", lambda: check_no_crash(ctx))
    finally:
        ctx.processes.kill_all()
    log(f"ops checks took {time.monotonic() - started:.0f}s")
    log(f"{ctx.passed} passed, {ctx.failed} failed")
    return 1 if ctx.failed else 0


if __name__ == "__main__":
    sys.exit(main())

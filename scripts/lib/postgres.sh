# shellcheck shell=bash
# A throwaway PostgreSQL cluster for the tests (and later the benchmarks).
#
# Source this file, then:
#   start_test_postgres [database]   # sets TEST_POSTGRES_URL, TEST_POSTGRES_PORT, TEST_POSTGRES_DIR
#   stop_test_postgres               # idempotent, so it can sit in an EXIT trap
#
# The cluster lives in its own temp dir, listens on 127.0.0.1 only, trusts every
# local connection and runs without fsync: it holds nothing worth keeping.
# PostgreSQL refuses to run as root, so every server command runs as `postgres`.

# First port tried; the next ones are used when it is taken (e.g. by a cluster
# that an earlier, killed run left behind, or by a concurrent run).
TEST_POSTGRES_PORT_BASE=${TEST_POSTGRES_PORT_BASE:-55432}
TEST_POSTGRES_DIR=${TEST_POSTGRES_DIR:-}
TEST_POSTGRES_PORT=${TEST_POSTGRES_PORT:-}
TEST_POSTGRES_URL=${TEST_POSTGRES_URL:-}
PG_BIN=${PG_BIN:-}

# Prints the directory holding initdb and pg_ctl. Debian keeps them out of PATH,
# in /usr/lib/postgresql/<version>/bin, so look there too (newest version first).
postgres_bin_dir() {
    local dir
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dir=$(dirname "$(readlink -f "$(command -v initdb)")")
        if [[ -x $dir/pg_ctl && -x $dir/pg_isready ]]; then
            echo "$dir"
            return 0
        fi
    fi
    for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
        if [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/pg_isready ]]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

# Installs the server from Debian's packages unless it is already there, so a
# fresh machine needs no manual setup and a re-run costs nothing.
ensure_postgres_installed() {
    if PG_BIN=$(postgres_bin_dir); then return 0; fi
    echo "==> installing PostgreSQL (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    PG_BIN=$(postgres_bin_dir) || {
        echo "error: PostgreSQL installed but initdb/pg_ctl not found" >&2
        return 1
    }
    # Debian's package may have started its own cluster on 5432; it does not
    # disturb ours (different port and data dir), so it is left alone.
}

# The Debian package creates this user; a hand-installed server may not have.
ensure_postgres_user() {
    id -u postgres >/dev/null 2>&1 && return 0
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/sh postgres
}

# Runs a PostgreSQL binary as `postgres`, from a directory it may enter (its
# tools complain when the caller's working directory, e.g. /root, is closed).
as_postgres() {
    local tool=$1
    shift
    (cd /tmp && runuser -u postgres -- "$PG_BIN/$tool" "$@")
}

# True when process $1 exists and is not a zombie. kill -0 alone is not enough:
# a killed postmaster is re-parented to PID 1, which in some containers never
# reaps it, and pg_ctl would then wait for a "running" server that is long dead.
process_running() {
    local stat
    [[ -n $1 ]] && stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# True when something already accepts connections on 127.0.0.1:$1.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Stops clusters left by runs that died without their trap (SIGKILL, power
# loss): their owner process is gone, so nobody else can be using them.
# Clusters whose owner still runs (a concurrent run) are not touched.
reap_stale_test_postgres() {
    local dir owner pid
    for dir in /tmp/archestra-pg.*; do
        [[ -d $dir ]] || continue
        owner=$(cat "$dir/owner.pid" 2>/dev/null || true)
        if process_running "$owner"; then continue; fi
        # No owner yet: possibly a concurrent run that has only just created it.
        if [[ -z $owner ]] && [[ -n $(find "$dir" -maxdepth 0 -mmin -1) ]]; then continue; fi
        pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
        if process_running "$pid"; then
            echo "==> stopping a PostgreSQL cluster left by a killed run ($dir, pid $pid)"
            as_postgres pg_ctl -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || kill -9 "$pid" 2>/dev/null || true
        fi
        rm -rf "$dir"
    done
}

# Creates, starts and waits for a fresh cluster with one empty database.
start_test_postgres() {
    local database=${1:-archestra_test} port attempt started=
    ensure_postgres_installed
    ensure_postgres_user
    reap_stale_test_postgres

    TEST_POSTGRES_DIR=$(mktemp -d /tmp/archestra-pg.XXXXXX)
    echo $$ >"$TEST_POSTGRES_DIR/owner.pid"
    chown postgres:postgres "$TEST_POSTGRES_DIR"
    chmod 700 "$TEST_POSTGRES_DIR"

    if ! as_postgres initdb -D "$TEST_POSTGRES_DIR/data" -A trust -U postgres -E UTF8 --locale=C --no-sync \
        >"$TEST_POSTGRES_DIR/initdb.log" 2>&1; then
        cat "$TEST_POSTGRES_DIR/initdb.log" >&2
        echo "error: initdb failed" >&2
        return 1
    fi

    # Another process may grab a port between the check and the bind, so a
    # failed start moves on to the next port instead of giving up.
    for attempt in $(seq 0 19); do
        port=$((TEST_POSTGRES_PORT_BASE + attempt))
        port_in_use "$port" && continue
        if as_postgres pg_ctl -D "$TEST_POSTGRES_DIR/data" -l "$TEST_POSTGRES_DIR/server.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $TEST_POSTGRES_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
            start >/dev/null 2>&1; then
            started=1
            break
        fi
    done
    if [[ -z $started ]]; then
        tail -n 20 "$TEST_POSTGRES_DIR/server.log" >&2 || true
        echo "error: could not start PostgreSQL on ports $TEST_POSTGRES_PORT_BASE-$((TEST_POSTGRES_PORT_BASE + 19))" >&2
        return 1
    fi
    TEST_POSTGRES_PORT=$port

    # pg_ctl -w already waited; this guards against a server that is up but
    # still refusing connections (recovery after a crash, say).
    for attempt in $(seq 1 60); do
        as_postgres pg_isready -q -h 127.0.0.1 -p "$port" -t 1 && break
        if [[ $attempt == 60 ]]; then
            echo "error: PostgreSQL on port $port never became ready" >&2
            return 1
        fi
        sleep 0.5
    done

    as_postgres createdb -h 127.0.0.1 -p "$port" -U postgres "$database"
    TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/$database?sslmode=disable"
    echo "==> PostgreSQL ready on 127.0.0.1:$port (data in $TEST_POSTGRES_DIR)"
}

# Stops the cluster and removes its directory; safe to call twice, and safe
# when the server already died.
stop_test_postgres() {
    local dir=$TEST_POSTGRES_DIR pid
    [[ -n $dir && -d $dir ]] || return 0
    TEST_POSTGRES_DIR=
    pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
    # A server that already died (killed, crashed) needs no stopping.
    if process_running "$pid"; then
        if ! as_postgres pg_ctl -D "$dir/data" -m fast -w -t 20 stop >/dev/null 2>&1; then
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$dir"
    echo "==> PostgreSQL stopped"
}

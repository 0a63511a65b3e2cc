# shellcheck shell=bash
# shellcheck disable=SC2034  # BENCH_DATABASE_URL is read by the sourcing script
# The database behind the gateway during a benchmark: a throwaway PostgreSQL cluster (via
# scripts/lib/postgres.sh, which this only wraps) or an SQLite file in a temp dir.
#
#   setup_bench_store postgres|sqlite WORKDIR   # sets BENCH_DATABASE_URL
#   count_interactions                          # prints the number of rows in `interactions`
#   teardown_bench_store                        # idempotent, for the EXIT trap

BENCH_STORE=
BENCH_DATABASE_URL=
BENCH_SQLITE_FILE=
BENCH_PG_DATABASE=archestra_bench

setup_bench_store() {
    BENCH_STORE=$1
    local workdir=$2
    case $BENCH_STORE in
        postgres)
            # Binds 127.0.0.1 on a free port, runs as `postgres` (it refuses root), lives in a temp dir.
            start_test_postgres "$BENCH_PG_DATABASE"
            BENCH_DATABASE_URL=$TEST_POSTGRES_URL
            ;;
        sqlite)
            BENCH_SQLITE_FILE=$workdir/bench.sqlite
            BENCH_DATABASE_URL=sqlite://$BENCH_SQLITE_FILE
            ;;
        *)
            echo "error: unknown store '$BENCH_STORE'" >&2
            return 1
            ;;
    esac
}

count_interactions() {
    case $BENCH_STORE in
        postgres)
            as_postgres psql -h 127.0.0.1 -p "$TEST_POSTGRES_PORT" -U postgres -d "$BENCH_PG_DATABASE" -tAq \
                -c 'SELECT count(*) FROM interactions'
            ;;
        sqlite)
            # The gateway may still hold the file open in WAL mode; a reader sees every committed row.
            python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute("SELECT count(*) FROM interactions").fetchone()[0])' \
                "$BENCH_SQLITE_FILE"
            ;;
    esac
}

teardown_bench_store() {
    # stop_test_postgres is itself idempotent; the SQLite file goes with the harness' temp dir.
    [[ $BENCH_STORE == postgres ]] && stop_test_postgres
    return 0
}

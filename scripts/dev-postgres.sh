#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL server for the tests marked `postgres`.
#   scripts/dev-postgres.sh start   -> prints the URL to export as TENFOLD_TEST_POSTGRES_URL
#   scripts/dev-postgres.sh stop
#   scripts/dev-postgres.sh restart  -> a fast restart (the fault tests restart a server of their own)
# Runs as the `postgres` user when started as root (initdb refuses to run as root).
set -euo pipefail
PORT=${TENFOLD_PG_PORT:-54329}
DATA=${TENFOLD_PG_DATA:-/tmp/tenfold-pg-$PORT}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PGBIN" ]; then PGBIN=$(dirname "$(command -v initdb)"); fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ -f "$DATA/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      echo "postgresql+psycopg://tenfold@127.0.0.1:$PORT/postgres"; exit 0
    fi
    rm -rf "$DATA"; mkdir -p "$DATA"
    if [ "$(id -u)" = 0 ]; then chown postgres "$DATA"; fi
    as_owner "$PGBIN/initdb" -D "$DATA" -U tenfold --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
      -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null
    echo "postgresql+psycopg://tenfold@127.0.0.1:$PORT/postgres"
    ;;
  restart)
    as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -m fast -w restart >/dev/null
    ;;
  stop)
    as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop|restart" >&2; exit 2 ;;
esac

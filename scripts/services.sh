#!/usr/bin/env bash
# Real services for tests and the distributed mode, started on 127.0.0.1 without Docker.
#   scripts/services.sh start|stop|status|env
# PostgreSQL comes from Debian's package (installed here when missing and we are root).
# Data lives under var/services/ in the repository; `start` is idempotent.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${KOPIR_SERVICES_DIR:-$ROOT/var/services}"
PG_PORT="${KOPIR_PG_PORT:-5432}"
PG_DATA="$STATE/postgres/data"
PG_SOCK="$STATE/postgres/run"
PG_LOG="$STATE/postgres/server.log"
PG_USER=kopir
PG_PASSWORD=kopir
PG_DB=kopir

say() { printf 'services: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  return 1
}

ensure_postgres_installed() {
  pg_bin >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed; run: sudo apt-get install -y postgresql"
  command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is not available"
  say "installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
  pg_bin >/dev/null || die "PostgreSQL installation failed"
}

# Run a PostgreSQL program as the owner of the data directory (never as root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_running() {
  [ -f "$PG_DATA/postmaster.pid" ] && as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

start_postgres() {
  ensure_postgres_installed
  local bin; bin=$(pg_bin)
  if pg_running; then say "PostgreSQL already running on 127.0.0.1:$PG_PORT"; return 0; fi
  mkdir -p "$PG_DATA" "$PG_SOCK"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "the postgres system user is missing (reinstall postgresql)"
    chown -R postgres:postgres "$STATE/postgres"
    chmod 700 "$PG_DATA"
  fi
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "initialising a PostgreSQL cluster in $PG_DATA"
    as_pg "$bin/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "port = $PG_PORT"
      echo "unix_socket_directories = '$PG_SOCK'"
      echo "max_connections = 200"
      echo "shared_buffers = 256MB"
    } | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
  fi
  as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null \
    || { tail -n 20 "$PG_LOG" >&2; die "PostgreSQL did not start (log: $PG_LOG)"; }
  local psql=("$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt)
  if [ "$("${psql[@]}" -c "select 1 from pg_roles where rolname='$PG_USER'")" != 1 ]; then
    "${psql[@]}" -c "create role $PG_USER login createdb password '$PG_PASSWORD'" >/dev/null
  fi
  if [ "$("${psql[@]}" -c "select 1 from pg_database where datname='$PG_DB'")" != 1 ]; then
    "${psql[@]}" -c "create database $PG_DB owner $PG_USER" >/dev/null
  fi
  say "PostgreSQL running on 127.0.0.1:$PG_PORT"
}

stop_postgres() {
  pg_bin >/dev/null || return 0
  if pg_running; then
    as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
    say "PostgreSQL stopped"
  fi
}

print_env() {
  local url="postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
  echo "export KOPIR_DATABASE_URL='$url'"
  echo "export KOPIR_TEST_POSTGRES_URL='$url'"
}

status() {
  if pg_running; then echo "postgres: running on 127.0.0.1:$PG_PORT"; else echo "postgres: stopped"; fi
}

case "${1:-}" in
  start) start_postgres ;;
  stop) stop_postgres ;;
  status) status ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac

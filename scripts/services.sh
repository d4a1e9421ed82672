#!/usr/bin/env bash
# Real services for tests and the distributed mode, started on 127.0.0.1 without Docker.
#   scripts/services.sh start|stop|status|env [postgres|kafka]
# PostgreSQL comes from Debian's package (installed here when missing and we are root).
# Apache Kafka (KRaft, one combined broker+controller) runs from jars that Maven copies
# from Maven Central (scripts/kafka/pom.xml), on the machine's Java 17.
# Data and jars live under var/services/ in the repository; `start` is idempotent.
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

KAFKA_PORT="${KOPIR_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KOPIR_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HOME="$STATE/kafka"
KAFKA_LIB="$KAFKA_HOME/lib"
KAFKA_DATA="$KAFKA_HOME/data"
KAFKA_PID="$KAFKA_HOME/kafka.pid"
KAFKA_HEAP="${KOPIR_KAFKA_HEAP:-512m}"

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
  # Tests drop their databases WITH (FORCE), which must also end an autovacuum worker
  # busy in them; without this grant a non-superuser gets "must be a member of the role
  # whose process is being terminated".
  if [ "$("${psql[@]}" -c "select pg_has_role('$PG_USER', 'pg_signal_backend', 'member')")" != t ]; then
    "${psql[@]}" -c "grant pg_signal_backend to $PG_USER" >/dev/null
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

# --- Apache Kafka ------------------------------------------------------------------
ensure_kafka_jars() {
  local stamp="$KAFKA_LIB/.pom.sha256" want
  want=$(sha256sum "$ROOT/scripts/kafka/pom.xml" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  command -v java >/dev/null || die "Java 17 is needed for Kafka (apt-get install -y openjdk-17-jre-headless)"
  command -v mvn >/dev/null || die "Maven is needed to fetch Kafka's jars (apt-get install -y maven)"
  say "fetching Apache Kafka jars from Maven Central"
  rm -rf "$KAFKA_LIB"; mkdir -p "$KAFKA_LIB"
  mvn -q -B -f "$ROOT/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$KAFKA_LIB" -DincludeScope=runtime >&2 || die "Maven could not fetch Kafka"
  echo "$want" > "$stamp"
}

kafka_command() {
  KAFKA_CMD=(java -Xms128m -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true
    -Dkafka.logs.dir="$KAFKA_HOME/logs"
    -Dlog4j2.configurationFile="$ROOT/scripts/kafka/log4j2.properties"
    -cp "$KAFKA_LIB/*")
}

kafka_java() {
  kafka_command
  "${KAFKA_CMD[@]}" "$@"
}

kafka_running() {
  [ -f "$KAFKA_PID" ] && kill -0 "$(cat "$KAFKA_PID")" 2>/dev/null
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

write_kafka_config() {
  cat > "$KAFKA_HOME/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=6
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.flush.interval.messages=1
CONF
}

start_kafka() {
  if kafka_running; then say "Kafka already running on 127.0.0.1:$KAFKA_PORT"; return 0; fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another program"
  ensure_kafka_jars
  mkdir -p "$KAFKA_HOME/logs" "$KAFKA_DATA"
  write_kafka_config
  if [ ! -f "$KAFKA_DATA/meta.properties" ]; then
    say "formatting Kafka storage"
    kafka_java kafka.tools.StorageTool format -t "$(kafka_java kafka.tools.StorageTool random-uuid)" \
      -c "$KAFKA_HOME/server.properties" >/dev/null || die "Kafka storage could not be formatted"
  fi
  kafka_command
  nohup "${KAFKA_CMD[@]}" kafka.Kafka "$KAFKA_HOME/server.properties" \
    > "$KAFKA_HOME/logs/stdout.log" 2>&1 &
  echo $! > "$KAFKA_PID"
  local waited=0
  until port_open "$KAFKA_PORT"; do
    kafka_running || { tail -n 30 "$KAFKA_HOME/logs/"*.log >&2; die "Kafka exited during start"; }
    sleep 0.5; waited=$((waited + 1))
    [ "$waited" -lt 240 ] || die "Kafka did not open port $KAFKA_PORT within 120 s"
  done
  say "Kafka running on 127.0.0.1:$KAFKA_PORT"
}

stop_kafka() {
  if kafka_running; then
    local pid; pid=$(cat "$KAFKA_PID")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    say "Kafka stopped"
  fi
  rm -f "$KAFKA_PID"
}

print_env() {
  local url="postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
  echo "export KOPIR_DATABASE_URL='$url'"
  echo "export KOPIR_TEST_POSTGRES_URL='$url'"
  echo "export KOPIR_KAFKA_BOOTSTRAP='127.0.0.1:$KAFKA_PORT'"
  echo "export KOPIR_TEST_KAFKA_BOOTSTRAP='127.0.0.1:$KAFKA_PORT'"
  echo "export KOPIR_KAFKA_LIB='$KAFKA_LIB'"
}

status() {
  if pg_running; then echo "postgres: running on 127.0.0.1:$PG_PORT"; else echo "postgres: stopped"; fi
  if kafka_running; then echo "kafka: running on 127.0.0.1:$KAFKA_PORT"; else echo "kafka: stopped"; fi
}

which="${2:-all}"
case "${1:-}" in
  start) [ "$which" = kafka ] || start_postgres; [ "$which" = postgres ] || start_kafka ;;
  stop) [ "$which" = kafka ] || stop_postgres; [ "$which" = postgres ] || stop_kafka ;;
  restart) "$0" stop "$which"; "$0" start "$which" ;;
  status) status ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|restart|status|env [postgres|kafka]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The distributed topology on this machine without Docker:
# PostgreSQL + Kafka (scripts/services.sh), two each of the relay, the checkpointer, the
# retention schedule and the notifier (one active, one standing by), two engines and two
# consumers (consumer groups) and the UI as processes, and a supervisor that starts again
# whatever died (as compose's `restart: unless-stopped`).
#   scripts/stack.sh start|stop|status
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/var/stack"
BIN="${KOPIR_BIN:-$ROOT/.venv/bin}"
PORT="${PORT:-8501}"
mkdir -p "$RUN"

environment() {
  eval "$("$ROOT/scripts/services.sh" env)"
  if [ ! -s "$RUN/cipher.key" ]; then
    (umask 077; "$BIN/python" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())' > "$RUN/cipher.key")
  fi
  if [ ! -s "$RUN/ledger.key" ]; then  # signs the log's checkpoints
    (umask 077; "$BIN/python" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())' > "$RUN/ledger.key")
  fi
  if [ ! -s "$RUN/session.key" ]; then  # signs the interface's session cookie
    (umask 077; "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(32))' > "$RUN/session.key")
  fi
  export KOPIR_DATABASE_URL KOPIR_KAFKA_BOOTSTRAP
  KOPIR_CIPHER_KEY="$(cat "$RUN/cipher.key")"
  KOPIR_LEDGER_KEY="$(cat "$RUN/ledger.key")"
  KOPIR_SESSION_SECRET="$(cat "$RUN/session.key")"
  export KOPIR_CIPHER_KEY KOPIR_LEDGER_KEY KOPIR_SESSION_SECRET KOPIR_EMBEDDED_PROJECTIONS=false
}

alive() {  # name
  [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null
}

launch() {  # name, kopir arguments... (remembered in $RUN/<name>.cmd for the supervisor)
  local name=$1; shift
  if alive "$name"; then
    echo "stack: $name already running"; return 0
  fi
  printf '%q ' "$@" > "$RUN/$name.cmd"
  nohup "$BIN/kopir" "$@" >> "$RUN/$name.log" 2>&1 &
  echo $! > "$RUN/$name.pid"
  echo "stack: $name started (log: var/stack/$name.log)"
}

supervise() {  # every 2 s: start again each process of the stack that died
  environment
  while true; do
    for cmdfile in "$RUN"/*.cmd; do
      [ -e "$cmdfile" ] || continue
      name=$(basename "$cmdfile" .cmd)
      if ! alive "$name"; then
        eval "set -- $(cat "$cmdfile")"
        echo "$(date -u +%FT%TZ) $name had stopped; starting it again"
        launch "$name" "$@"
      fi
    done
    sleep 2
  done
}

start() {
  "$ROOT/scripts/services.sh" start
  environment
  if "$BIN/kopir" demo --children "${CHILDREN:-60}" 2>/dev/null; then
    echo "stack: seeded demo data into PostgreSQL"
  fi
  for i in 1 2; do  # one of each acts, the other stands by and takes over (the engines and
    launch "relay-$i" relay  # the consumers share Kafka's partitions instead)
    launch "engine-$i" engine --group
    launch "checkpointer-$i" checkpointer
    launch "retention-$i" retention run --every "${RETENTION_EVERY:-86400}"
    launch "notifier-$i" notify
    launch "consumer-$i" consume
  done
  launch ui serve --port "$PORT"
  if ! alive supervisor; then
    nohup "$0" supervise >> "$RUN/supervisor.log" 2>&1 &
    echo $! > "$RUN/supervisor.pid"
    echo "stack: supervisor started (restarts what dies; log: var/stack/supervisor.log)"
  fi
  echo "stack: Köpir (distributed) on http://127.0.0.1:$PORT; \`make stack-stop\` to stop"
}

stop() {
  if [ -f "$RUN/supervisor.pid" ]; then  # first, so that nothing is started again
    kill "$(cat "$RUN/supervisor.pid")" 2>/dev/null || true
    rm -f "$RUN/supervisor.pid"
  fi
  rm -f "$RUN"/*.cmd
  for pidfile in "$RUN"/*.pid; do
    [ -e "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
  echo "stack: processes stopped (services keep running: scripts/services.sh stop)"
}

status() {
  environment
  for pidfile in "$RUN"/*.pid; do
    [ -e "$pidfile" ] || continue
    name=$(basename "$pidfile" .pid)
    if kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "$name: running"; else echo "$name: dead"; fi
  done
  "$BIN/kopir" status
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  supervise) supervise ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A real Schema Registry speaking the Confluent REST API (Apicurio Registry,
# in-memory storage, API at /apis/ccompat/v7) on loopback, for development and
# the serde tests, without Docker — beside scripts/kafka.sh and run the same way.
#
#   scripts/registry.sh start    build it once (Maven, infra/maven/registry), start, wait until it answers
#   scripts/registry.sh stop     stop it (SIGTERM, then SIGKILL after 20 s)
#   scripts/registry.sh status   exit 0 and print the SCHEMA_REGISTRY_URL when it runs
#   scripts/registry.sh build    only build (what .ci/run's install step calls)
#
# Env: REGISTRY_PORT (KAFKA_PORT+3, i.e. 19095), REGISTRY_APP_DIR (the built
# application, cached per version and POM under ~/.cache/aura-streams), REGISTRY_HEAP (-Xmx384m).
# In-memory storage: every start is an empty registry.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/infra/maven/registry/pom.xml"
PORT="${REGISTRY_PORT:-$(( ${KAFKA_PORT:-19092} + 3 ))}"
VERSION="$(sed -n 's#.*<apicurio.version>\(.*\)</apicurio.version>.*#\1#p' "$POM")"
# Keyed by the POM's content too: a changed build is rebuilt, not taken from the cache.
POM_HASH="$(sha1sum "$POM" | cut -c1-8)"
APP="${REGISTRY_APP_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aura-streams/apicurio-registry-$VERSION-$POM_HASH}"
RUN="/tmp/aura-registry-$PORT"
PIDFILE="$RUN.pid"
LOGFILE="$RUN.log"
URL="http://127.0.0.1:$PORT/apis/ccompat/v7"

log() { echo "[registry.sh] $*" >&2; }

running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Maven resolves Apicurio's jars into ~/.m2 (cached there) and the Quarkus plugin packages
# them; the result is copied out of the source tree, so a fresh clone reuses it.
build() {
  if [[ -f "$APP/runner.jar" ]]; then return 0; fi
  command -v mvn >/dev/null || { log "Maven (mvn) is required to build the registry"; exit 1; }
  log "building Apicurio Registry $VERSION into $APP (once)"
  local t0=$SECONDS target="$ROOT/infra/maven/registry/target"
  mvn -B -C -q -f "$POM" package >&2
  rm -rf "$APP.tmp" && mkdir -p "$APP.tmp"
  cp -r "$target/lib" "$APP.tmp/lib"
  cp "$target"/*-runner.jar "$APP.tmp/runner.jar"
  rm -rf "$APP" && mv "$APP.tmp" "$APP"
  log "built in $((SECONDS - t0)) s"
}

probe() {
  curl -sf -m 2 -o /dev/null "$URL/subjects"
}

start() {
  if pid="$(running_pid)"; then log "already running (pid $pid)"; echo "$URL"; return 0; fi
  command -v java >/dev/null || { log "java not found: install a JRE 17+"; exit 1; }
  build
  local t0=$SECONDS
  # Serial GC and C1 only, as for the broker: a small server on a shared 2-core box starts faster.
  nohup java ${REGISTRY_HEAP:--Xms64m -Xmx384m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$PORT" \
    -Dquarkus.log.level=WARN -Dquarkus.log.category.\"io.apicurio\".level=WARN \
    -jar "$APP/runner.jar" >"$LOGFILE" 2>&1 &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 120); do
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then break; fi
    if probe; then
      log "up at $URL after $((SECONDS - t0)) s (pid $(cat "$PIDFILE"))"
      echo "$URL"
      return 0
    fi
    sleep 0.5
  done
  log "registry did not come up within 60 s; last log lines:"
  tail -n 40 "$LOGFILE" >&2 2>/dev/null || true
  stop || true
  exit 1
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then log "not running"; rm -f "$PIDFILE"; return 0; fi
  kill -TERM "$pid"
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; log "stopped (pid $pid)"; return 0; }
    sleep 0.5
  done
  log "pid $pid did not stop after 20 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
}

status() {
  if pid="$(running_pid)"; then echo "$URL"; log "running (pid $pid)"; else log "not running"; return 1; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  build) build ;;
  *) echo "usage: $0 start|stop|status|build" >&2; exit 2 ;;
esac

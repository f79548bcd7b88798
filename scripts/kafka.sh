#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, broker+controller in one JVM) on
# loopback, for development and the Kafka transport tests, without Docker.
#
#   scripts/kafka.sh start    fetch the jars once (Maven), format a fresh data dir, start, wait until it answers
#   scripts/kafka.sh start --keep-data
#                             start on the existing data dir when it was formatted before (same
#                             cluster, topics, offsets, transactions): a restart after `kill` or a
#                             crash. Without a formatted dir it formats one, like `start`.
#   scripts/kafka.sh start --perf
#                             the JVM settings of Kafka's own start script (G1, C2 JIT, 1 GiB heap)
#                             instead of the fast-starting ones; same as KAFKA_JVM_PERF=1. Latency
#                             benches use it (bench/kafka/broker.ts): transactions are several
#                             times faster once warm (docs/benchmarks.md, "Overlapping transactions").
#   scripts/kafka.sh stop     stop it (SIGTERM, then SIGKILL after 20 s)
#   scripts/kafka.sh kill     SIGKILL it, as a crash would (the data dir stays; outage tests)
#   scripts/kafka.sh status   exit 0 and print the bootstrap address when it runs
#   scripts/kafka.sh sasl-ssl print the client settings of the SASL_SSL listener (KEY=VALUE lines)
#
# `start` refuses (exit 1, saying who holds it) when KAFKA_PORT, the controller or the SASL_SSL
# port is taken by a process that is not this broker: the probe would otherwise
# find the other process and report success while this broker dies.
#
# Env: KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1), KAFKA_LIB_DIR
# (infra/kafka/lib), KAFKA_DATA_DIR (/tmp/aura-kafka-$KAFKA_PORT), KAFKA_HEAP (-Xmx512m),
# KAFKA_SASL_SSL_PORT (KAFKA_PORT+2; `off` for none), KAFKA_JVM_PERF (1: as `--perf`; KAFKA_HEAP
# still wins for the heap), KAFKA_BROKER_CONFIG (extra broker properties, `a=1;b=2`).
#
# Besides PLAINTEXT the broker listens with SASL_SSL, as Confluent Cloud does: a CA and
# a server certificate for 127.0.0.1 are made with openssl at each start (PEM files under
# $KAFKA_DATA_DIR/ssl), with a PLAIN user (aura / aura-secret) and a SCRAM-SHA-512 user
# (aura-scram / aura-scram-secret). Development and test credentials only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${KAFKA_PORT:-19092}"
CTRL_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
LIB="${KAFKA_LIB_DIR:-$ROOT/infra/kafka/lib}"
DATA="${KAFKA_DATA_DIR:-/tmp/aura-kafka-$PORT}"
PIDFILE="$DATA.pid"
SASL_PORT="${KAFKA_SASL_SSL_PORT:-$((PORT + 2))}"
[[ "$SASL_PORT" == off ]] && SASL_PORT=""
SASL_PLAIN_USER=aura SASL_PLAIN_PASSWORD=aura-secret
SASL_SCRAM_USER=aura-scram SASL_SCRAM_PASSWORD=aura-scram-secret
# Extra `kafka-storage format` arguments write_config asks for (the SCRAM user).
FORMAT_ARGS=()
LOGFILE="$DATA.log"
KAFKA_VERSION=4.4.0
# Kafka ships its slf4j→log4j2 bridge in the distribution tarball, not as a
# Maven dependency of kafka_2.13: without it the broker logs nothing at all.
LOG4J_BRIDGE=org.apache.logging.log4j:log4j-slf4j-impl:2.25.5

log() { echo "[kafka.sh] $*" >&2; }

running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

fetch_jars() {
  if [[ -f "$LIB/kafka_2.13-$KAFKA_VERSION.jar" && -n "$(ls "$LIB"/log4j-slf4j-impl-*.jar 2>/dev/null)" ]]; then return 0; fi
  command -v mvn >/dev/null || { log "Maven (mvn) is required to fetch the Kafka jars"; exit 1; }
  log "fetching Kafka $KAFKA_VERSION jars into $LIB (once)"
  mkdir -p "$LIB"
  # -C: fail on checksum mismatch. Progress goes to the terminal on purpose.
  mvn -B -C -f "$ROOT/infra/maven/pom.xml" -Pkafka dependency:copy-dependencies -Daura.outputDir="$LIB" >&2
  mvn -B -C -f "$ROOT/infra/maven/pom.xml" dependency:copy -Dartifact="$LOG4J_BRIDGE" -Daura.outputDir="$LIB" >&2
}

# A throwaway CA and a certificate for 127.0.0.1/localhost signed by it, as PEM files
# (Kafka reads PEM key stores since 2.7: no keytool, no store passwords).
make_certs() {
  local ssl="$DATA/ssl"
  mkdir -p "$ssl"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=aura-streams test CA" \
    -keyout "$ssl/ca.key" -out "$ssl/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$ssl/server.key" -out "$ssl/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$ssl/server.ext"
  openssl x509 -req -in "$ssl/server.csr" -CA "$ssl/ca.pem" -CAkey "$ssl/ca.key" -CAcreateserial -days 30 \
    -extfile "$ssl/server.ext" -out "$ssl/server.pem" 2>/dev/null
  # PKCS#8 key, then the chain: the layout of a PEM key store.
  { openssl pkcs8 -topk8 -nocrypt -in "$ssl/server.key"; cat "$ssl/server.pem" "$ssl/ca.pem"; } >"$ssl/server-keystore.pem"
}

write_config() {
  local listeners="PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CTRL_PORT"
  local advertised="PLAINTEXT://127.0.0.1:$PORT" protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if [[ -n "$SASL_PORT" ]]; then
    command -v openssl >/dev/null || { log "openssl is required for the SASL_SSL listener (or set KAFKA_SASL_SSL_PORT=off)"; exit 1; }
    make_certs
    listeners="$listeners,SASL_SSL://127.0.0.1:$SASL_PORT"
    advertised="$advertised,SASL_SSL://127.0.0.1:$SASL_PORT"
    protocols="$protocols,SASL_SSL:SASL_SSL"
    FORMAT_ARGS=(--add-scram "SCRAM-SHA-512=[name=$SASL_SCRAM_USER,password=$SASL_SCRAM_PASSWORD]")
  fi
  cat >"$DATA/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CTRL_PORT
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
log.dirs=$DATA/logs
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
group.initial.rebalance.delay.ms=0
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
  # KAFKA_BROKER_CONFIG: extra broker properties, `;`-separated KEY=VALUE (a later line wins), for
  # experiments such as `transaction.partition.verification.enable=false` (docs/benchmarks.md).
  if [[ -n "${KAFKA_BROKER_CONFIG:-}" ]]; then tr ';' '\n' <<<"$KAFKA_BROKER_CONFIG" >>"$DATA/server.properties"; fi
  if [[ -n "$SASL_PORT" ]]; then
    cat >>"$DATA/server.properties" <<EOF
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_PLAIN_USER="$SASL_PLAIN_PASSWORD";
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$DATA/ssl/server-keystore.pem
EOF
  fi
  # One log file, INFO for the server, WARN for the chatty rest.
  cat >"$DATA/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $LOGFILE
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = FILE
logger.server.name = kafka.server
logger.server.level = INFO
logger.raft.name = kafka.Kafka
logger.raft.level = INFO
EOF
}

# Whether 127.0.0.1:$1 can be bound right now (what the broker is about to do).
port_free() {
  (cd "$ROOT" && node -e '
    const s = require("net").createServer();
    s.once("error", () => process.exit(1));
    s.listen(Number(process.argv[1]), "127.0.0.1", () => s.close(() => process.exit(0)));
  ' "$1") 2>/dev/null
}

# The pid listening on port $1 (Linux: the socket's inode in /proc/net/tcp*, then the
# process holding it); empty when it cannot tell (another user's process, no /proc).
listener_pid() {
  local inode
  inode="$(awk -v port="$(printf ':%04X' "$1")" '$4 == "0A" && substr($2, length($2) - 4) == port { print $10; exit }' /proc/net/tcp /proc/net/tcp6 2>/dev/null || true)"
  [[ -n "$inode" ]] || return 0
  find /proc/[0-9]*/fd -lname "socket:\[$inode\]" 2>/dev/null | head -n 1 | cut -d/ -f3 || true
}

# Refuses to start when a port of ours is held by something else (see the header).
check_ports() {
  local p owner what
  for p in "$PORT" "$CTRL_PORT" ${SASL_PORT:+"$SASL_PORT"}; do
    port_free "$p" && continue
    owner="$(listener_pid "$p")"
    what="an unknown process (not visible to this user)"
    [[ -n "$owner" ]] && what="pid $owner: $(tr '\0' ' ' <"/proc/$owner/cmdline" 2>/dev/null | cut -c1-160)"
    if [[ -n "$owner" ]] && tr '\0' '\n' <"/proc/$owner/cmdline" 2>/dev/null | grep -qxF "$DATA/server.properties"; then
      # Our own broker, whose pid file is gone: adopt it rather than start a second one.
      echo "$owner" >"$PIDFILE"
      log "already running (pid $owner, pid file restored) on 127.0.0.1:$PORT"
      return 2
    fi
    log "refusing to start: 127.0.0.1:$p is taken by $what."
    log "That is not this script's broker (data $DATA). Stop it, or choose other ports (KAFKA_PORT=..., KAFKA_CONTROLLER_PORT=...)."
    exit 1
  done
}

# The broker answers once a client gets metadata from it (listTopics) — an open
# port alone is not enough: KRaft accepts connections before the broker is unfenced.
probe() {
  (cd "$ROOT" && node -e '
    const { AdminClient } = require("@confluentinc/kafka-javascript");
    const a = AdminClient.create({ "bootstrap.servers": process.argv[1], "log_level": 0 });
    a.listTopics({ timeout: 2000 }, (err) => { a.disconnect(); process.exit(err ? 1 : 0); });
  ' "127.0.0.1:$PORT") 2>/dev/null
}

format_fresh() {
  rm -rf "$DATA" "$LOGFILE"
  mkdir -p "$DATA/logs"
  write_config
  local cluster_id
  # 16 random bytes, base64url. An id starting with "-" would be read as an option by
  # kafka-storage (about one start in 64): such a first character is swapped for a letter,
  # which still decodes to 16 bytes (Kafka's own random-uuid avoids it the same way).
  cluster_id="$(node -e 'console.log(require("crypto").randomBytes(16).toString("base64url").replace(/^-/, "A"))')"
  # Static controller.quorum.voters: format WITHOUT --standalone.
  java -cp "$LIB/*" -Dlog4j2.configurationFile="$DATA/log4j2.properties" kafka.tools.StorageTool \
    format -t "$cluster_id" -c "$DATA/server.properties" "${FORMAT_ARGS[@]}" >"$DATA/format.out" 2>&1 \
    || { log "storage format failed:"; cat "$DATA/format.out" >&2; exit 1; }
}

start() {
  local keep_data="${KAFKA_KEEP_DATA:-}" perf="${KAFKA_JVM_PERF:-}" arg
  for arg in "$@"; do
    case "$arg" in
      --keep-data) keep_data=1 ;;
      --perf) perf=1 ;;
      *) log "unknown start option: $arg"; exit 2 ;;
    esac
  done
  [[ "$perf" == 0 ]] && perf=""
  if pid="$(running_pid)"; then log "already running (pid $pid, $(cat "$DATA.jvm" 2>/dev/null || echo fast-start) JVM) on 127.0.0.1:$PORT"; echo "127.0.0.1:$PORT"; return 0; fi
  local adopted=0
  check_ports || adopted=$?
  if [[ $adopted -eq 2 ]]; then echo "127.0.0.1:$PORT"; return 0; fi
  command -v java >/dev/null || { log "java not found: install a JRE 17+, or set KAFKA_BROKERS / run 'docker compose -f docker-compose.dev.yml up -d kafka'"; exit 1; }
  fetch_jars
  local t0=$SECONDS
  if [[ -n "$keep_data" && -f "$DATA/logs/meta.properties" ]]; then
    log "keeping the data in $DATA (cluster $(grep -o 'cluster.id=.*' "$DATA/logs/meta.properties" | cut -d= -f2))"
    write_config
  else
    format_fresh
  fi
  # Default: serial GC and C1 only, a tiny dev broker on a shared 2-core box starts faster this way
  # (the tests start many). --perf: kafka-server-start.sh's and kafka-run-class.sh's settings, the
  # JVM a production broker runs with; it starts ~1 s slower and runs transactions faster.
  local jvm=(${KAFKA_HEAP:--Xms128m -Xmx512m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1) mode=fast-start
  if [[ -n "$perf" ]]; then
    jvm=(${KAFKA_HEAP:--Xms1g -Xmx1g} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent)
    mode=perf
  fi
  echo "$mode" >"$DATA.jvm"
  nohup java "${jvm[@]}" -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$DATA/log4j2.properties" \
    -cp "$LIB/*" kafka.Kafka "$DATA/server.properties" >"$DATA/stdout.log" 2>&1 &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 120); do
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then break; fi
    if probe; then
      # The probe reaches whatever listens on the port: make sure that is us.
      local owner
      owner="$(listener_pid "$PORT")"
      if [[ -n "$owner" && "$owner" != "$(cat "$PIDFILE")" ]]; then
        log "127.0.0.1:$PORT answers, but from pid $owner, not from this broker (pid $(cat "$PIDFILE")): refusing"
        stop || true
        exit 1
      fi
      log "up on 127.0.0.1:$PORT after $((SECONDS - t0)) s, $mode JVM (pid $(cat "$PIDFILE"), data $DATA)"
      echo "127.0.0.1:$PORT"
      return 0
    fi
    sleep 0.5
  done
  log "broker did not come up within 60 s; last log lines:"
  tail -n 40 "$LOGFILE" "$DATA/stdout.log" >&2 2>/dev/null || true
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

# A crash: SIGKILL, no clean shutdown, the data dir stays for `start --keep-data`.
kill_broker() {
  local pid
  if ! pid="$(running_pid)"; then log "not running"; return 0; fi
  kill -KILL "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$PIDFILE"
  log "killed (pid $pid, SIGKILL); data kept in $DATA"
}

status() {
  if pid="$(running_pid)"; then echo "127.0.0.1:$PORT"; log "running (pid $pid)"; else log "not running"; return 1; fi
}

# The settings a client needs for the SASL_SSL listener, as the environment docs/deployment.md names.
sasl_ssl() {
  running_pid >/dev/null || { log "not running"; return 1; }
  [[ -n "$SASL_PORT" && -f "$DATA/ssl/ca.pem" ]] || { log "this broker has no SASL_SSL listener (started with KAFKA_SASL_SSL_PORT=off, or by an older kafka.sh): restart it"; return 1; }
  cat <<EOF
KAFKA_BROKERS=127.0.0.1:$SASL_PORT
KAFKA_SECURITY_PROTOCOL=sasl_ssl
KAFKA_SSL_CA_LOCATION=$DATA/ssl/ca.pem
PLAIN_USERNAME=$SASL_PLAIN_USER
PLAIN_PASSWORD=$SASL_PLAIN_PASSWORD
SCRAM_USERNAME=$SASL_SCRAM_USER
SCRAM_PASSWORD=$SASL_SCRAM_PASSWORD
EOF
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  kill) kill_broker ;;
  status) status ;;
  sasl-ssl) sasl_ssl ;;
  *) echo "usage: $0 start [--keep-data] [--perf]|stop|kill|status|sasl-ssl" >&2; exit 2 ;;
esac

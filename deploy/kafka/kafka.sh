#!/usr/bin/env bash
# A real single-node Kafka broker (KRaft) for development and CI, run with the machine's Java.
#
#   deploy/kafka/kafka.sh fetch    resolve the broker jars from Maven Central into target/lib (once)
#   deploy/kafka/kafka.sh start    fetch and format storage if needed, start in the background, wait until ready
#   deploy/kafka/kafka.sh stop     stop the broker started here (by its pid), waiting for a clean exit
#   deploy/kafka/kafka.sh status   say whether it runs
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT + 1), KAFKA_RUN_DIR (run/ here:
# data, log, pid), KAFKA_HEAP (512m), KAFKA_START_TIMEOUT seconds (60). Another port and run dir give
# an independent second broker (the restart tests use one so they never stop the shared broker).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lib="$here/target/lib"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
run="${KAFKA_RUN_DIR:-$here/run}"
pidfile="$run/broker.pid"
log="$run/broker.log"

die() { echo "kafka.sh: $*" >&2; exit 1; }

running_pid() {
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null && grep -q kafka.Kafka "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

fetch() {
  command -v mvn >/dev/null || die "Maven (mvn) is not installed"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies
  echo "kafka.sh: broker jars in $lib"
}

java_args() {
  JAVA_ARGS=(-Xms128m "-Xmx${KAFKA_HEAP:-512m}" -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true \
    -Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn \
    -cp "$lib/*")
}

java_run() {
  java_args
  java "${JAVA_ARGS[@]}" "$@"
}

configure() {
  mkdir -p "$run"
  cat >"$run/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$run/data
num.partitions=3
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
PROPS
  if [[ ! -f "$run/data/meta.properties" ]]; then
    # A cluster id is 16 random bytes in base64url (what StorageTool random-uuid prints), without a
    # JVM. Like Kafka's own generator, never one starting with '-': the tool would read it as an option.
    local cluster=-
    while [[ "$cluster" == -* ]]; do
      cluster="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    done
    java_run kafka.tools.StorageTool format -t "$cluster" -c "$run/server.properties" >"$run/format.log" 2>&1 \
      || { cat "$run/format.log" >&2; die "formatting storage failed"; }
  fi
}

start() {
  command -v java >/dev/null || die "Java is not installed"
  # A fresh clone fetches on first start (about 15 s with an empty ~/.m2, then cached).
  [[ -d "$lib" ]] || fetch
  if pid="$(running_pid)"; then
    echo "kafka.sh: broker already running (pid $pid) on 127.0.0.1:$port"
    return 0
  fi
  port_open "$port" && die "127.0.0.1:$port is taken by another process (not a broker started from $run)"
  configure
  : >"$log"
  java_args
  # setsid: the broker outlives the shell that started it and gets no terminal signals; it execs
  # java, so $! is the broker's own pid.
  setsid java "${JAVA_ARGS[@]}" kafka.Kafka "$run/server.properties" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-60}))
  until grep -q 'Kafka Server started' "$log" && port_open "$port"; do
    if ! running_pid >/dev/null; then
      tail -30 "$log" >&2
      rm -f "$pidfile"
      die "broker exited while starting (log: $log)"
    fi
    ((SECONDS < deadline)) || { tail -30 "$log" >&2; stop; die "broker not ready after ${KAFKA_START_TIMEOUT:-60}s"; }
    sleep 0.3
  done
  echo "kafka.sh: broker ready on 127.0.0.1:$port (pid $(cat "$pidfile"), log $log)"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pidfile"
    echo "kafka.sh: no broker running from $run"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "kafka.sh: broker $pid did not stop in 30s, killing it" >&2
    kill -KILL "$pid"
  fi
  rm -f "$pidfile"
  echo "kafka.sh: broker stopped (pid $pid)"
}

status() {
  if pid="$(running_pid)"; then echo "kafka.sh: running (pid $pid) on 127.0.0.1:$port"; else echo "kafka.sh: not running"; return 1; fi
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 fetch|start|stop|status" >&2; exit 2 ;;
esac

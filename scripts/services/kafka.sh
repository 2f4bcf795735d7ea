#!/usr/bin/env bash
# Usage: kafka.sh build | check
#        kafka.sh start [--state-dir DIR] [--owner-pid PID] [--port N] [--controller-port N]
#                       [--partitions N] [--auto-create-topics true|false]
#                       [--sasl-port N --sasl-users USER:PASSWORD,...]
#        kafka.sh stop | kill | status [--state-dir DIR]
#        kafka.sh topics|console-producer|console-consumer|producer-perf-test|configs ARGS...
#        kafka.sh run-class CLASS ARGS...
#
# A one-node Kafka broker (KRaft: broker and controller in one process) from Maven Central's
# jars (kafka/pom.xml), fetched once into the cache (scripts/lib.sh).
#
# `start` formats the state directory's storage on first use, runs the broker on 127.0.0.1
# and waits until it says it started (it does once it is unfenced and serves clients), then
# prints one JSON line:
#   {"service":"kafka","pid":..,"state_dir":..,"log":..,"bootstrap":"127.0.0.1:19092",
#    "controller":"127.0.0.1:19093","sasl_bootstrap":"127.0.0.1:N"|null}
# Starting an instance that runs prints its line again; a restart keeps the topics and
# offsets. With --sasl-port, a SASL_PLAINTEXT listener takes PLAIN, SCRAM-SHA-256 and
# SCRAM-SHA-512 for the users given (SCRAM users are stored when the storage is formatted).
# `stop` sends SIGTERM (SIGKILL after 30 s), `kill` SIGKILL.
#
# The tool commands are Kafka's own kafka-topics.sh, kafka-console-producer.sh,
# kafka-console-consumer.sh, kafka-producer-perf-test.sh and kafka-configs.sh, from the same
# jars (pass --bootstrap-server). `check` exits 1 with the reason when the jars are missing.
#
# Environment: EBPIPE_KAFKA_PORT (19092), EBPIPE_KAFKA_CONTROLLER_PORT (port + 1),
# EBPIPE_KAFKA_HEAP (512m), EBPIPE_KAFKA_STATE, EBPIPE_CACHE, EBPIPE_SERVICE_START_TIMEOUT.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/services/lib.sh
source "$here/lib.sh"

readonly pom="$here/kafka/pom.xml"

kafka_lib() {
    # Keyed by the pom, so changed versions fetch a new set beside the old.
    printf '%s/kafka/%s/lib\n' "$(services_cache_dir)" "$(sha256sum "$pom" | cut -c1-16)"
}

kafka_build() {
    local lib tmp
    lib="$(kafka_lib)"
    [[ -f "$lib/.complete" ]] && return 0
    svc_use_java
    mkdir -p "${lib%/*}"
    tmp="$(mktemp -d "${lib%/*}/lib.XXXXXX")"
    trap 'rm -rf -- "$tmp"' EXIT
    svc_say "fetching Kafka's jars from $pom"
    mvn -B -q -f "$pom" -Dmaven.repo.local="$(services_cache_dir)/maven" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >&2 ||
        svc_die "mvn dependency:copy-dependencies failed"
    touch "$tmp/.complete"
    rm -rf -- "$lib"
    mv -- "$tmp" "$lib"
    trap - EXIT
    svc_say "$(find "$lib" -name '*.jar' | wc -l) jars in $lib"
}

kafka_check() {
    [[ -f "$(kafka_lib)/.complete" ]] || { echo "Kafka's jars are not fetched (run scripts/services/kafka.sh build)"; return 1; }
    command -v java >/dev/null || { echo "java not found (run scripts/services/kafka.sh build)"; return 1; }
}

# Kafka's kafka-run-class.sh: a class from the jars, with the JVM flags for a short-lived tool.
kafka_run_class() {
    kafka_check >/dev/null || kafka_build
    exec java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$(kafka_lib)/*" "$@"
}

port="${EBPIPE_KAFKA_PORT:-19092}"
controller_port="${EBPIPE_KAFKA_CONTROLLER_PORT:-}"
partitions=1
auto_create=true
sasl_port=''
sasl_users=''
svc_flag() {
    case "$1" in
        --port) port="$2" ;;
        --controller-port) controller_port="$2" ;;
        --partitions) partitions="$2" ;;
        --auto-create-topics) auto_create="$2" ;;
        --sasl-port) sasl_port="$2" ;;
        --sasl-users) sasl_users="$2" ;;
        *) return 1 ;;
    esac
}

write_properties() {
    local listeners="PLAINTEXT://127.0.0.1:$port" protocols='PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'
    local advertised="PLAINTEXT://127.0.0.1:$port"
    [[ -z "$sasl_port" ]] || {
        listeners+=",SASL_PLAINTEXT://127.0.0.1:$sasl_port"
        advertised+=",SASL_PLAINTEXT://127.0.0.1:$sasl_port"
        protocols+=',SASL_PLAINTEXT:SASL_PLAINTEXT'
    }
    cat <<EOF
# Written by scripts/services/kafka.sh at each start.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=$listeners,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
log.dirs=$svc_state_dir/data
num.partitions=$partitions
auto.create.topics.enable=$auto_create
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# A consumer group's first member gets its partitions at once (tests read right after).
group.initial.rebalance.delay.ms=0
# After a SIGKILL the restarted broker cannot register until the controller has expired the
# killed one's session (9 s by default): tests kill and restart it many times.
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
EOF
    [[ -z "$sasl_port" ]] || {
        local plain_users='' user
        for user in ${sasl_users//,/ }; do
            plain_users+=" user_${user%%:*}=\"${user#*:}\""
        done
        cat <<EOF
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required$plain_users;
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOF
    }
}

format_storage() {
    local cluster_id scram=() user
    for user in ${sasl_users//,/ }; do
        scram+=(--add-scram "SCRAM-SHA-256=[name=${user%%:*},password=${user#*:}]")
        scram+=(--add-scram "SCRAM-SHA-512=[name=${user%%:*},password=${user#*:}]")
    done
    cluster_id="$(java -cp "$(kafka_lib)/*" kafka.tools.StorageTool random-uuid 2>/dev/null)"
    java -Xmx256m -cp "$(kafka_lib)/*" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn kafka.tools.StorageTool \
        format --standalone -t "$cluster_id" -c "$svc_state_dir/server.properties" "${scram[@]}" \
        >>"$svc_state_dir/service.log" 2>&1 || {
        tail -n 20 "$svc_state_dir/service.log" >&2
        svc_die "formatting the storage in $svc_state_dir/data failed"
    }
}

# Logged at the end of start-up, once the broker is unfenced and its listeners serve.
readonly ready_line='Kafka Server started'

kafka_start() {
    svc_print_if_running && return 0
    kafka_check >/dev/null || kafka_build
    controller_port="${controller_port:-$((port + 1))}"
    [[ -z "$sasl_port" || -n "$sasl_users" ]] || svc_die "--sasl-port needs --sasl-users USER:PASSWORD,..."
    svc_require_port_free "$port" "$controller_port" ${sasl_port:+"$sasl_port"}
    write_properties >"$svc_state_dir/server.properties"
    [[ -f "$svc_state_dir/data/meta.properties" ]] || format_storage
    local before pid heap="${EBPIPE_KAFKA_HEAP:-512m}"
    before="$(svc_log_count "$svc_state_dir" "$ready_line")"
    pid="$(svc_spawn "$svc_state_dir" "$svc_owner_pid" java "-Xmx$heap" "-Xms$heap" -XX:+UseG1GC \
        -Djava.awt.headless=true -Dorg.slf4j.simpleLogger.showDateTime=true \
        -cp "$(kafka_lib)/*" kafka.Kafka "$svc_state_dir/server.properties")"
    svc_wait_ready "$svc_state_dir" "$pid" svc_log_grew "$svc_state_dir" "$ready_line" "$before"
    local sasl=null
    [[ -z "$sasl_port" ]] || sasl="\"127.0.0.1:$sasl_port\""
    svc_announce "$pid" "\"bootstrap\":\"127.0.0.1:$port\",\"controller\":\"127.0.0.1:$controller_port\",\"sasl_bootstrap\":$sasl"
}

case "${1:-}" in
    build) kafka_build ;;
    check) kafka_check ;;
    start | stop | kill | status)
        command="$1"
        shift
        svc_state_dir="${EBPIPE_KAFKA_STATE:-}"
        svc_parse_flags "$@"
        case "$command" in
            start) kafka_start ;;
            stop) svc_stop "$svc_state_dir" TERM ;;
            kill) svc_stop "$svc_state_dir" KILL ;;
            status) svc_print_if_running ;;
        esac
        ;;
    topics) shift; kafka_run_class org.apache.kafka.tools.TopicCommand "$@" ;;
    console-producer) shift; kafka_run_class org.apache.kafka.tools.ConsoleProducer "$@" ;;
    console-consumer) shift; kafka_run_class org.apache.kafka.tools.consumer.ConsoleConsumer "$@" ;;
    producer-perf-test) shift; kafka_run_class org.apache.kafka.tools.ProducerPerformance "$@" ;;
    configs) shift; kafka_run_class org.apache.kafka.tools.ConfigCommand "$@" ;;
    run-class) shift; kafka_run_class "$@" ;;
    *) svc_die "usage: kafka.sh build|check|start|stop|kill|status|topics|console-producer|console-consumer|producer-perf-test|configs|run-class (see the head of this script)" ;;
esac

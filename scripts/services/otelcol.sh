#!/usr/bin/env bash
# Usage: otelcol.sh build | check
#        otelcol.sh start [--state-dir DIR] [--owner-pid PID] [--config FILE]
#                         [--otlp-grpc-port N] [--otlp-http-port N] [--splunk-hec-port N]
#                         [--kafka-brokers HOST:PORT,...] [--kafka-topic NAME] [--kafka-encoding NAME]
#        otelcol.sh stop | kill | status [--state-dir DIR]
#
# The OpenTelemetry Collector the exporter tests read back through, built with the
# Collector's builder from otelcol/manifest.yaml (otlp, kafka and splunk_hec receivers, file
# and debug exporters, ack, file_storage and bearertokenauth extensions) into the cache
# (scripts/lib.sh).
#
# `start` runs it on 127.0.0.1 with --config FILE (copied into the state directory), or with
# a default config: otlp (gRPC and HTTP) and splunk_hec (with the ack extension) receivers,
# plus a kafka receiver when --kafka-brokers is given, into the file exporter, one OTLP JSON
# line per export under DIR/out/{logs,metrics,traces}.jsonl (appended across restarts, each
# line written before the export is acknowledged, so SIGKILL loses none of them). It
# waits until the Collector says every component started, then prints one JSON line:
#   {"service":"otelcol","pid":..,"state_dir":..,"log":..,"config":..,
#    "otlp_grpc":"127.0.0.1:14317","otlp_http":"http://127.0.0.1:14318",
#    "splunk_hec":"http://127.0.0.1:18088/services/collector","out_dir":..}
# (the endpoint fields only with the default config). Starting an instance that runs
# prints its line again. `stop` sends SIGTERM (SIGKILL after 30 s), `kill` SIGKILL.
# `check` exits 1 with the reason when the Collector is not built.
#
# Environment: EBPIPE_OTELCOL_{OTLP_GRPC,OTLP_HTTP,SPLUNK_HEC}_PORT (defaults 14317, 14318,
# 18088), EBPIPE_OTELCOL_STATE, EBPIPE_CACHE, EBPIPE_BUILD_JOBS, EBPIPE_SERVICE_START_TIMEOUT.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/services/lib.sh
source "$here/lib.sh"

readonly builder_version=v0.130.0
readonly manifest="$here/otelcol/manifest.yaml"

otelcol_dir() {
    # Keyed by the manifest, so a changed manifest builds a new Collector beside the old.
    printf '%s/otelcol/%s\n' "$(services_cache_dir)" "$(sha256sum "$manifest" | cut -c1-16)"
}

otelcol_binary() {
    printf '%s/otelcol-ebpipe\n' "$(otelcol_dir)"
}

otelcol_build() {
    local binary dir builder tmp
    binary="$(otelcol_binary)"
    [[ -x "$binary" ]] && return 0
    svc_use_go
    builder="$GOPATH/bin/builder-$builder_version"
    if [[ ! -x "$builder" ]]; then
        svc_say "installing the Collector's builder $builder_version"
        GOBIN="$GOPATH/bin/tmp-$$" go install "go.opentelemetry.io/collector/cmd/builder@$builder_version"
        mv "$GOPATH/bin/tmp-$$/builder" "$builder"
        rmdir "$GOPATH/bin/tmp-$$"
    fi
    dir="$(otelcol_dir)"
    mkdir -p "${dir%/*}"
    tmp="$(mktemp -d "$dir.XXXXXX")"
    trap 'rm -rf -- "$tmp"' EXIT
    sed "s|^\( *output_path:\).*|\1 $tmp/src|" "$manifest" >"$tmp/manifest.yaml"
    svc_say "building the Collector from $manifest (a few minutes from nothing)"
    "$builder" --config "$tmp/manifest.yaml" >"$tmp/build.log" 2>&1 || {
        tail -n 40 "$tmp/build.log" >&2
        svc_die "the Collector's build failed"
    }
    mv "$tmp/src/otelcol-ebpipe" "$tmp/otelcol-ebpipe"
    cp "$manifest" "$tmp/manifest.yaml"
    rm -rf -- "$tmp/src" "$tmp/build.log"
    rm -rf -- "$dir"
    mv -- "$tmp" "$dir"
    trap - EXIT
    svc_say "built $binary"
}

otelcol_check() {
    [[ -x "$(otelcol_binary)" ]] || { echo "the OpenTelemetry Collector is not built (run scripts/services/otelcol.sh build)"; return 1; }
}

config=''
grpc_port="${EBPIPE_OTELCOL_OTLP_GRPC_PORT:-14317}"
http_port="${EBPIPE_OTELCOL_OTLP_HTTP_PORT:-14318}"
hec_port="${EBPIPE_OTELCOL_SPLUNK_HEC_PORT:-18088}"
kafka_brokers=''
kafka_topic='otlp_logs'
kafka_encoding='otlp_proto'
svc_flag() {
    case "$1" in
        --config) config="$2" ;;
        --otlp-grpc-port) grpc_port="$2" ;;
        --otlp-http-port) http_port="$2" ;;
        --splunk-hec-port) hec_port="$2" ;;
        --kafka-brokers) kafka_brokers="$2" ;;
        --kafka-topic) kafka_topic="$2" ;;
        --kafka-encoding) kafka_encoding="$2" ;;
        *) return 1 ;;
    esac
}

# The default config, as JSON (which YAML reads): every receiver into one file per signal.
default_config() {
    local out="$svc_state_dir/out" receivers='"otlp","splunk_hec"' kafka=''
    if [[ -n "$kafka_brokers" ]]; then
        local brokers
        brokers="$(printf '%s' "$kafka_brokers" | sed 's/\([^,]*\)/"\1"/g')"
        kafka=",\"kafka\":{\"brokers\":[$brokers],\"logs\":{\"topic\":\"$kafka_topic\",\"encoding\":\"$kafka_encoding\"},\"initial_offset\":\"earliest\"}"
        receivers+=',"kafka"'
    fi
    # With rotation set, the file exporter writes each export straight to the file (without
    # it, through a buffer flushed once a second, lost on SIGKILL although acknowledged).
    # Rotation appends to the file of an earlier run, and at 1 TiB it never rotates.
    local file='"rotation":{"max_megabytes":1048576}'
    cat <<EOF
{
  "extensions": {"ack": {}},
  "receivers": {
    "otlp": {"protocols": {"grpc": {"endpoint": "127.0.0.1:$grpc_port"}, "http": {"endpoint": "127.0.0.1:$http_port"}}},
    "splunk_hec": {"endpoint": "127.0.0.1:$hec_port", "ack": {"extension": "ack"}}$kafka
  },
  "exporters": {
    "file/logs": {"path": "$out/logs.jsonl", $file},
    "file/metrics": {"path": "$out/metrics.jsonl", $file},
    "file/traces": {"path": "$out/traces.jsonl", $file}
  },
  "service": {
    "extensions": ["ack"],
    "telemetry": {"metrics": {"level": "none"}},
    "pipelines": {
      "logs": {"receivers": [$receivers], "exporters": ["file/logs"]},
      "metrics": {"receivers": ["otlp"], "exporters": ["file/metrics"]},
      "traces": {"receivers": ["otlp"], "exporters": ["file/traces"]}
    }
  }
}
EOF
}

# The Collector logs this once every component has started (listeners bound, consumers up);
# the count of it in the log tells this run's from earlier runs'.
readonly ready_line='Everything is ready. Begin running and processing data.'

otelcol_start() {
    svc_print_if_running && return 0
    otelcol_check >/dev/null || otelcol_build
    mkdir -p "$svc_state_dir/out"
    local fields
    if [[ -n "$config" ]]; then
        [[ -f "$config" ]] || svc_die "--config $config: no such file"
        [[ "$(readlink -f "$config")" == "$svc_state_dir/config.yaml" ]] || cp "$config" "$svc_state_dir/config.yaml"
        fields="\"config\":$(svc_json_string "$svc_state_dir/config.yaml")"
    else
        svc_require_port_free "$grpc_port" "$http_port" "$hec_port"
        default_config >"$svc_state_dir/config.yaml"
        fields="\"config\":$(svc_json_string "$svc_state_dir/config.yaml"),\"otlp_grpc\":\"127.0.0.1:$grpc_port\""
        fields+=",\"otlp_http\":\"http://127.0.0.1:$http_port\",\"splunk_hec\":\"http://127.0.0.1:$hec_port/services/collector\""
    fi
    fields+=",\"out_dir\":$(svc_json_string "$svc_state_dir/out")"
    local before pid
    before="$(svc_log_count "$svc_state_dir" "$ready_line")"
    pid="$(svc_spawn "$svc_state_dir" "$svc_owner_pid" "$(otelcol_binary)" --config "$svc_state_dir/config.yaml")"
    svc_wait_ready "$svc_state_dir" "$pid" svc_log_grew "$svc_state_dir" "$ready_line" "$before"
    svc_announce "$pid" "$fields"
}

case "${1:-}" in
    build) otelcol_build ;;
    check) otelcol_check ;;
    start | stop | kill | status)
        command="$1"
        shift
        svc_state_dir="${EBPIPE_OTELCOL_STATE:-}"
        svc_parse_flags "$@"
        case "$command" in
            start) otelcol_start ;;
            stop) svc_stop "$svc_state_dir" TERM ;;
            kill) svc_stop "$svc_state_dir" KILL ;;
            status) svc_print_if_running ;;
        esac
        ;;
    *) svc_die "usage: otelcol.sh build|check|start|stop|kill|status [--state-dir DIR] [flags] (see the head of this script)" ;;
esac

#!/usr/bin/env bash
# Usage: s3.sh build | check
#        s3.sh start [--state-dir DIR] [--owner-pid PID] [--port N] [--access-key KEY]
#                    [--secret-key SECRET] [--region NAME] [--bucket NAME[,NAME...]]
#        s3.sh stop | kill | status [--state-dir DIR]
#
# An S3 server: Versity's S3 gateway (versitygw, Apache-2.0) built from the Go module proxy
# into the cache (scripts/lib.sh), serving DIR/data as buckets (its posix backend: a bucket
# is a directory, an object a file under it, so a test can read what was stored without
# going through the server).
#
# `start` creates the buckets (directories) named by --bucket (default `ebpipe`), runs the
# gateway on 127.0.0.1 and waits until it answers S3 requests, then prints one JSON line:
#   {"service":"s3","pid":..,"state_dir":..,"log":..,"endpoint":"http://127.0.0.1:17070",
#    "region":"us-east-1","access_key":..,"secret_key":..,"buckets":["ebpipe"],"data_dir":..}
# The keys are the gateway's root account (test credentials, printed on purpose). Starting
# an instance that runs prints its line again. `stop` sends SIGTERM (SIGKILL after 30 s),
# `kill` SIGKILL. `check` exits 1 with the reason when the gateway is not built.
#
# Environment: EBPIPE_S3_PORT (17070), EBPIPE_S3_ACCESS_KEY, EBPIPE_S3_SECRET_KEY,
# EBPIPE_S3_STATE, EBPIPE_CACHE, EBPIPE_BUILD_JOBS, EBPIPE_SERVICE_START_TIMEOUT.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/services/lib.sh
source "$here/lib.sh"

readonly versitygw_version=v1.8.0

s3_binary() {
    printf '%s/versitygw/%s/versitygw\n' "$(services_cache_dir)" "$versitygw_version"
}

s3_build() {
    local binary tmp
    binary="$(s3_binary)"
    [[ -x "$binary" ]] && return 0
    svc_use_go
    mkdir -p "${binary%/*}"
    tmp="$(mktemp -d "${binary%/*}/bin.XXXXXX")"
    trap 'rm -rf -- "$tmp"' EXIT
    svc_say "building versitygw $versitygw_version (a few minutes from nothing)"
    GOBIN="$tmp" go install -ldflags="-s -w -X main.Version=$versitygw_version" \
        "github.com/versity/versitygw/cmd/versitygw@$versitygw_version" >&2 ||
        svc_die "go install of versitygw $versitygw_version failed"
    mv "$tmp/versitygw" "$binary"
    rm -rf -- "$tmp"
    trap - EXIT
    svc_say "built $binary"
}

s3_check() {
    [[ -x "$(s3_binary)" ]] || { echo "the S3 server (versitygw) is not built (run scripts/services/s3.sh build)"; return 1; }
}

port="${EBPIPE_S3_PORT:-17070}"
access_key="${EBPIPE_S3_ACCESS_KEY:-ebpipe-test-access}"
secret_key="${EBPIPE_S3_SECRET_KEY:-ebpipe-test-secret}"
region=us-east-1
buckets=ebpipe
svc_flag() {
    case "$1" in
        --port) port="$2" ;;
        --access-key) access_key="$2" ;;
        --secret-key) secret_key="$2" ;;
        --region) region="$2" ;;
        --bucket) buckets="$2" ;;
        *) return 1 ;;
    esac
}

# Any answer from the S3 API will do: an unsigned ListBuckets is refused with 403 by the
# gateway itself, which proves it routes and authenticates requests.
s3_answers() {
    local status
    status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/")"
    [[ "$status" == 403 || "$status" == 200 ]]
}

s3_start() {
    svc_print_if_running && return 0
    s3_check >/dev/null || s3_build
    svc_require_port_free "$port"
    local data="$svc_state_dir/data" bucket names=''
    for bucket in ${buckets//,/ }; do
        mkdir -p "$data/$bucket"
        names+="${names:+,}\"$bucket\""
    done
    local pid
    # The keys go by environment, not argv, so `ps` does not show the secret.
    pid="$(ROOT_ACCESS_KEY="$access_key" ROOT_SECRET_KEY="$secret_key" \
        svc_spawn "$svc_state_dir" "$svc_owner_pid" "$(s3_binary)" --quiet --port "127.0.0.1:$port" \
        --region "$region" posix "$data")"
    svc_wait_ready "$svc_state_dir" "$pid" s3_answers
    svc_announce "$pid" "\"endpoint\":\"http://127.0.0.1:$port\",\"region\":\"$region\",\"access_key\":$(svc_json_string "$access_key"),\"secret_key\":$(svc_json_string "$secret_key"),\"buckets\":[$names],\"data_dir\":$(svc_json_string "$data")"
}

case "${1:-}" in
    build) s3_build ;;
    check) s3_check ;;
    start | stop | kill | status)
        command="$1"
        shift
        svc_state_dir="${EBPIPE_S3_STATE:-}"
        svc_parse_flags "$@"
        case "$command" in
            start) s3_start ;;
            stop) svc_stop "$svc_state_dir" TERM ;;
            kill) svc_stop "$svc_state_dir" KILL ;;
            status) svc_print_if_running ;;
        esac
        ;;
    *) svc_die "usage: s3.sh build|check|start|stop|kill|status [--state-dir DIR] [flags] (see the head of this script)" ;;
esac

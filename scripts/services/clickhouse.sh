#!/usr/bin/env bash
# Usage: clickhouse.sh check
#        clickhouse.sh start [--state-dir DIR] [--owner-pid PID] [--port N] [--user NAME] [--password SECRET]
#        clickhouse.sh stop | kill | status [--state-dir DIR]
#
# A ClickHouse server for the tests and benches of the `clickhouse` exporter's server mode. No
# ClickHouse server can be installed on this kind of machine (../../../shared/services.md: Debian's
# is from 2018, no registry ships a newer one), so this runs ClickHouse's engine, chdb (the npm
# package the project already depends on, installed by scripts/setup.sh), behind the part of the
# ClickHouse HTTP interface that @clickhouse/client speaks (src/testing/clickhouse-http/). Nothing is
# downloaded: the engine is in node_modules, the data in DIR/data.
#
# `start` runs it on 127.0.0.1 and waits until /ping answers, then prints one JSON line:
#   {"service":"clickhouse","pid":..,"state_dir":..,"log":..,"endpoint":"http://127.0.0.1:18123",
#    "user":"default","password":..,"data_dir":..}
# (test credentials, printed on purpose). Starting an instance that runs prints its line again;
# `start` after `kill` brings it back on the same port and data. `stop` sends SIGTERM (SIGKILL after
# 30 s), `kill` SIGKILL. `check` exits 1 with the reason when it cannot run (TypeScript not built).
# With --owner-pid the server is killed once that process is gone.
#
# Environment: EBPIPE_CLICKHOUSE_PORT (18123), EBPIPE_CLICKHOUSE_STATE, EBPIPE_SERVICE_START_TIMEOUT.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd -- "$here/../.." && pwd)"
front="$root/dist/src/testing/clickhouse-http/main.js"

die() {
    echo "clickhouse.sh: $*" >&2
    exit 1
}

json_string() {
    local s="${1//\\/\\\\}"
    printf '"%s"' "${s//\"/\\\"}"
}

check() {
    [[ -f "$front" ]] || { echo "the ClickHouse HTTP front is not built (run make ts)"; return 1; }
    [[ -d "$root/node_modules/chdb" ]] || { echo "chdb is not installed (run scripts/setup.sh)"; return 1; }
}

port="${EBPIPE_CLICKHOUSE_PORT:-18123}"
user=default
password=ebpipe-test-password
state="${EBPIPE_CLICKHOUSE_STATE:-${TMPDIR:-/tmp}/ebpipe-services/clickhouse}"
owner=''

# The pid of the running instance in $state; its command line must name the state directory, so a
# reused pid is not taken for it.
running_pid() {
    local pid
    [[ -f "$state/service.pid" ]] || return 1
    pid="$(<"$state/service.pid")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$state" || return 1
    printf '%s\n' "$pid"
}

answers() {
    [[ "$(curl -s --max-time 2 "http://127.0.0.1:$port/ping")" == 'Ok.' ]]
}

start() {
    if running_pid >/dev/null && [[ -f "$state/service.json" ]]; then
        cat "$state/service.json"
        return 0
    fi
    check >/dev/null || die "$(check)"
    ! answers || die "127.0.0.1:$port is in use (choose another port)"
    mkdir -p "$state/data"
    local node pid
    node="$(bash "$root/scripts/node.sh")"
    printf '=== %s start on port %s\n' "$(date -u +%FT%TZ)" "$port" >>"$state/service.log"
    # The password goes by environment, not argv, so `ps` does not show it.
    EBPIPE_CLICKHOUSE_PASSWORD="$password" setsid "$node" "$front" --path "$state/data" --port "$port" --user "$user" \
        >>"$state/service.log" 2>&1 </dev/null &
    pid=$!
    printf '%s\n' "$pid" >"$state/service.pid"
    if [[ -n "$owner" ]]; then
        # shellcheck disable=SC2016 # the watchdog's script expands its own arguments
        setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
            kill -0 "$2" 2>/dev/null && kill -KILL "$2"' ebpipe-watchdog "$owner" "$pid" >/dev/null 2>&1 </dev/null &
    fi
    local deadline=$((SECONDS + ${EBPIPE_SERVICE_START_TIMEOUT:-60}))
    until answers; do
        if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
            kill -KILL "$pid" 2>/dev/null || true
            echo "clickhouse.sh: not ready; the end of $state/service.log:" >&2
            tail -n 30 "$state/service.log" >&2
            exit 1
        fi
        sleep 0.2
    done
    printf '{"service":"clickhouse","pid":%s,"state_dir":%s,"log":%s,"endpoint":"http://127.0.0.1:%s","user":%s,"password":%s,"data_dir":%s}\n' \
        "$pid" "$(json_string "$state")" "$(json_string "$state/service.log")" "$port" "$(json_string "$user")" \
        "$(json_string "$password")" "$(json_string "$state/data")" >"$state/service.json"
    cat "$state/service.json"
}

stop() {
    local signal="$1" pid
    pid="$(running_pid)" || { rm -f "$state/service.pid"; return 0; }
    kill "-$signal" "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)) && [[ "$signal" != KILL ]]; then
            kill -KILL "$pid" 2>/dev/null || true
            signal=KILL
        fi
        sleep 0.05
    done
    rm -f "$state/service.pid"
}

command="${1:-}"
(($# > 0)) && shift
while (($# > 0)); do
    [[ $# -ge 2 ]] || die "$1 needs a value"
    case "$1" in
        --state-dir) state="$2" ;;
        --owner-pid) owner="$2" ;;
        --port) port="$2" ;;
        --user) user="$2" ;;
        --password) password="$2" ;;
        *) die "unknown flag $1" ;;
    esac
    shift 2
done
mkdir -p "$state"
state="$(cd "$state" && pwd)"

case "$command" in
    check) check ;;
    start) start ;;
    stop) stop TERM ;;
    kill) stop KILL ;;
    status) running_pid >/dev/null && cat "$state/service.json" ;;
    *) die "usage: clickhouse.sh check|start|stop|kill|status [--state-dir DIR] [flags] (see the head of this script)" ;;
esac

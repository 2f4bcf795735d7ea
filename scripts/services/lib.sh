# shellcheck shell=bash
# Shared by the service scripts (kafka.sh, otelcol.sh, s3.sh). Sourced, never run.
#
# A service instance lives in a state directory: its config, its data, `service.pid`,
# `service.log`, and `service.json`, the one line `start` prints. The process is started
# in a session of its own, so it outlives the script; `--owner-pid` ties it to a caller
# (a test) instead, and it is killed when that process is gone.

# shellcheck source=scripts/lib.sh
source "${BASH_SOURCE[0]%/*}/../lib.sh"

svc_name="${0##*/}"
svc_name="${svc_name%.sh}"

svc_die() {
    echo "$svc_name.sh: $*" >&2
    exit 1
}

svc_say() {
    echo "$svc_name.sh: $*" >&2
}

services_cache_dir() {
    printf '%s\n' "$(ebpipe_cache_dir)/services"
}

# Where an instance lives unless the caller names a state directory.
svc_default_state_dir() {
    printf '%s\n' "${EBPIPE_SERVICES_STATE:-${TMPDIR:-/tmp}/ebpipe-services}/$svc_name"
}

# Builds stay light on a shared machine: one job at a time unless CI (which has the machine
# to itself) or EBPIPE_BUILD_JOBS says otherwise.
svc_build_jobs() {
    if [[ -n "${EBPIPE_BUILD_JOBS:-}" ]]; then
        printf '%s\n' "$EBPIPE_BUILD_JOBS"
    elif [[ -n "${CI:-}" ]]; then
        nproc
    else
        echo 1
    fi
}

svc_apt_install() {
    [[ "$(id -u)" == 0 ]] || svc_die "installing $* needs root"
    svc_say "installing $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends "$@" >&2
}

# The Go toolchain, with every path it writes under the cache. This kind of machine comes
# with Go in /usr/local/go; Debian's golang-go (1.19) is the fallback, too old for these
# modules, and cannot fetch a newer toolchain itself (GOTOOLCHAIN needs Go 1.21), so a
# machine without a Go of its own gets a clear error rather than a broken build.
readonly svc_min_go_minor=23
svc_use_go() {
    local version minor
    command -v go >/dev/null || [[ ! -x /usr/local/go/bin/go ]] || export PATH="/usr/local/go/bin:$PATH"
    command -v go >/dev/null || svc_apt_install golang-go
    version="$(go env GOVERSION)"
    minor="$(printf '%s\n' "$version" | sed -n 's/^go1\.\([0-9]*\).*/\1/p')"
    if [[ -z "$minor" ]] || ((minor < svc_min_go_minor)); then
        svc_die "$(command -v go) is $version; the services need Go 1.$svc_min_go_minor or newer (put a newer go first on PATH, or, from Go 1.21 on, set GOTOOLCHAIN to a release the Go module proxy serves, e.g. go1.27.3)"
    fi
    local go_dir
    go_dir="$(services_cache_dir)/go"
    export GOPATH="$go_dir/path" GOMODCACHE="$go_dir/mod" GOCACHE="$go_dir/build"
    local jobs
    jobs="$(svc_build_jobs)"
    export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="-p=$jobs -trimpath"
    export CGO_ENABLED=0
}

# Java 17 or newer (Kafka 4 needs it) and Maven (to fetch the jars), from Debian when missing.
svc_use_java() {
    local missing=()
    command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
    command -v mvn >/dev/null || missing+=(maven)
    ((${#missing[@]} == 0)) || svc_apt_install "${missing[@]}"
    local major
    major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
    [[ "${major%%.*}" -ge 17 ]] 2>/dev/null || svc_die "$(command -v java) is Java $major; Kafka needs 17 or newer (set JAVA_HOME or PATH)"
}

# Escapes a string for a JSON string literal (paths and addresses: quotes and backslashes).
svc_json_string() {
    local s="${1//\\/\\\\}"
    printf '"%s"' "${s//\"/\\\"}"
}

# --- instances -------------------------------------------------------------------------

# Prints the pid of the instance in $1 when it runs. The command line must name the state
# directory, so a pid reused by another process is not taken for the service.
svc_running_pid() {
    local state="$1" pid
    [[ -f "$state/service.pid" ]] || return 1
    pid="$(<"$state/service.pid")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$state" || return 1
    printf '%s\n' "$pid"
}

# Starts "$@" in the background for the instance in $1's state directory: a session of its
# own, output to service.log (appended across restarts, so a test sees every run's lines).
# With $2 a pid, a watchdog kills the service once that process is gone.
svc_spawn() {
    local state="$1" owner="$2"
    shift 2
    local log="$state/service.log"
    printf '=== %s start: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
    setsid "$@" >>"$log" 2>&1 </dev/null &
    local pid=$!
    printf '%s\n' "$pid" >"$state/service.pid"
    if [[ -n "$owner" ]]; then
        # A second process that polls both once a second (single quotes: its own $1 and $2).
        # shellcheck disable=SC2016
        setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
            kill -0 "$2" 2>/dev/null && kill -KILL "$2"' ebpipe-watchdog "$owner" "$pid" \
            >/dev/null 2>&1 </dev/null &
    fi
    printf '%s\n' "$pid"
}

# Waits up to $EBPIPE_SERVICE_START_TIMEOUT seconds (default 120) for "$3..." to succeed,
# polling twice a second, while the instance's process ($2) lives. On failure, the log's
# tail goes to stderr and the instance is stopped.
svc_wait_ready() {
    local state="$1" pid="$2"
    shift 2
    local deadline=$((SECONDS + ${EBPIPE_SERVICE_START_TIMEOUT:-120}))
    until "$@" >/dev/null 2>&1; do
        if ! kill -0 "$pid" 2>/dev/null; then
            svc_say "exited during start-up; the end of $state/service.log:"
            tail -n 40 "$state/service.log" >&2
            exit 1
        fi
        if ((SECONDS >= deadline)); then
            svc_say "not ready after ${EBPIPE_SERVICE_START_TIMEOUT:-120} s; the end of $state/service.log:"
            tail -n 40 "$state/service.log" >&2
            kill -KILL "$pid" 2>/dev/null || true
            exit 1
        fi
        sleep 0.5
    done
}

# How many times the instance's log has the line $2 (exactly), over every run in it.
svc_log_count() {
    if [[ -f "$1/service.log" ]]; then grep -cF -- "$2" "$1/service.log" || true; else echo 0; fi
}

# True once the log has more than $3 lines $2: the current run has written it.
svc_log_grew() {
    (($(svc_log_count "$1" "$2") > $3))
}

# True when something accepts TCP connections on 127.0.0.1:$1.
svc_port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

svc_require_port_free() {
    local port
    for port in "$@"; do
        ! svc_port_open "$port" || svc_die "127.0.0.1:$port is in use (choose other ports)"
    done
}

# Sends $2 (TERM or KILL) to the instance in $1 and waits for it to be gone; a TERM not
# obeyed within $EBPIPE_SERVICE_STOP_TIMEOUT seconds (default 30) becomes a KILL.
svc_stop() {
    local state="$1" signal="$2" pid
    pid="$(svc_running_pid "$state")" || { rm -f "$state/service.pid"; return 0; }
    kill "-$signal" "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + ${EBPIPE_SERVICE_STOP_TIMEOUT:-30}))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)) && [[ "$signal" != KILL ]]; then
            svc_say "pid $pid ignored SIGTERM for ${EBPIPE_SERVICE_STOP_TIMEOUT:-30} s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            signal=KILL
        fi
        sleep 0.1
    done
    rm -f "$state/service.pid"
    svc_say "stopped pid $pid (SIG$signal)"
}

# Common command line of every script: <command> [--state-dir DIR] [--owner-pid PID] and the
# service's own --flags, which are handed to svc_flag (defined by the script) one by one.
svc_state_dir=''
svc_owner_pid=''
# shellcheck disable=SC2034 # svc_owner_pid is read by the scripts that source this file
svc_parse_flags() {
    while (($# > 0)); do
        case "$1" in
            --state-dir) svc_state_dir="${2:?--state-dir needs a value}"; shift 2 ;;
            --owner-pid) svc_owner_pid="${2:?--owner-pid needs a value}"; shift 2 ;;
            --*) [[ $# -ge 2 ]] || svc_die "$1 needs a value"; svc_flag "$1" "$2" || svc_die "unknown flag $1"; shift 2 ;;
            *) svc_die "unexpected argument $1" ;;
        esac
    done
    svc_state_dir="${svc_state_dir:-$(svc_default_state_dir)}"
    mkdir -p "$svc_state_dir"
    svc_state_dir="$(cd "$svc_state_dir" && pwd)"
}

# Prints the saved line of a running instance and returns 0, or returns 1 when none runs.
svc_print_if_running() {
    svc_running_pid "$svc_state_dir" >/dev/null || return 1
    [[ -f "$svc_state_dir/service.json" ]] || return 1
    cat "$svc_state_dir/service.json"
}

# Writes and prints the start line: {"service":..,"pid":..,"state_dir":..,"log":..,<$2>}.
svc_announce() {
    local pid="$1" fields="$2"
    printf '{"service":"%s","pid":%s,"state_dir":%s,"log":%s,%s}\n' "$svc_name" "$pid" \
        "$(svc_json_string "$svc_state_dir")" "$(svc_json_string "$svc_state_dir/service.log")" "$fields" \
        >"$svc_state_dir/service.json"
    cat "$svc_state_dir/service.json"
}

#!/usr/bin/env bash
# Usage: run.sh [OPTIONS] -- CMD [ARGS...]
#
# Runs CMD inside Debian's 6.1 kernel under QEMU (TCG) with BPF LSM active,
# over the host's filesystem (read-only, with a throw-away tmpfs overlay), so
# tests can load the kprobe/fentry/lsm programs the host kernel refuses.
# CMD runs as root in the guest, in the caller's directory, with stdin from
# /dev/null; its stdout and stderr are streamed to ours.
#
# Options:
#   --timeout SECS    limit for the whole run, boot included (default 600)
#   --mem MB          guest memory (default 2048)
#   --smp N           guest vCPUs (default 2)
#   --cwd DIR         working directory of CMD (default: the current one)
#   --env KEY=VALUE   add to CMD's environment (PATH and HOME have defaults);
#                     repeatable
#   --share DIR       mount host DIR read-write at the same path in the guest,
#                     so CMD's files there come back; repeatable
#   --job-dir DIR     keep the job's files in DIR (an existing empty dir):
#                     command.sh, stdout, stderr, status, kernel-release,
#                     started, console.log; default: a temp dir, removed
#   --verbose         stream the guest console to stderr, print timings
#                     (also EBPIPE_VM_VERBOSE=1)
#   --check           exit 0 when the VM can run here, else say why, exit 125
#
# Exit status: CMD's own, or
#   124  the run hit --timeout (the tail of the guest console is printed)
#   125  the VM could not run CMD: bad usage, missing packages, boot or guest
#        setup failure (the reason and the console tail are printed)
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/vm/lib.sh
source "$here/lib.sh"

readonly exit_timeout=124 exit_vm_failed=125

die() {
    echo "run.sh: $*" >&2
    exit "$exit_vm_failed"
}

# Single-quotes one word for the guest's POSIX sh.
quote() {
    printf "'%s'" "${1//\'/\'\\\'\'}"
}

# QEMU's option parser takes ',,' for a literal comma.
qemu_path() {
    printf '%s' "${1//,/,,}"
}

physical_dir() {
    [[ "$1" != *$'\n'* ]] || die "$2: path has a newline: $1"
    (cd -- "$1" 2>/dev/null && pwd -P) || die "$2: no such directory: $1"
}

timeout_secs=600 mem_mb=2048 smp=2 cwd="$PWD" job_dir='' verbose="${EBPIPE_VM_VERBOSE:-0}"
envs=() shares=()
while (($# > 0)); do
    case "$1" in
        --timeout | --mem | --smp | --cwd | --env | --share | --job-dir)
            (($# >= 2)) || die "$1 needs a value"
            case "$1" in
                --timeout) timeout_secs="$2" ;;
                --mem) mem_mb="$2" ;;
                --smp) smp="$2" ;;
                --cwd) cwd="$2" ;;
                --env) envs+=("$2") ;;
                --share) shares+=("$2") ;;
                --job-dir) job_dir="$2" ;;
            esac
            shift 2
            ;;
        --verbose) verbose=1 && shift ;;
        --check)
            missing="$(vm_missing)"
            [[ -z "$missing" ]] || die "kernel vm unavailable: $missing"
            exit 0
            ;;
        --) shift && break ;;
        *) die "unknown option $1 (usage: run.sh [OPTIONS] -- CMD [ARGS...])" ;;
    esac
done
(($# > 0)) || die "no command given (usage: run.sh [OPTIONS] -- CMD [ARGS...])"
for n in "$timeout_secs" "$mem_mb" "$smp"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--timeout, --mem and --smp take positive integers, got '$n'"
done
for kv in "${envs[@]}"; do
    [[ "$kv" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env takes KEY=VALUE, got '$kv'"
done

missing="$(vm_missing)"
[[ -z "$missing" ]] || die "kernel vm unavailable: $missing"
kernel="$(bash "$here/extract-vmlinux.sh")" || die "preparing the guest kernel failed"
initramfs="$(bash "$here/build-initramfs.sh")" || die "building the initramfs failed"
cwd="$(physical_dir "$cwd" --cwd)"

if [[ -n "$job_dir" ]]; then
    job_dir="$(physical_dir "$job_dir" --job-dir)"
    [[ -z "$(ls -A -- "$job_dir")" ]] || die "--job-dir must be empty: $job_dir"
else
    job_dir="$(mktemp -d "${TMPDIR:-/tmp}/ebpipe-vm.XXXXXX")"
    trap 'rm -rf -- "$job_dir"' EXIT
fi

virtfs=(-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
    -virtfs "local,path=$(qemu_path "$job_dir"),mount_tag=ebpipejob,security_model=none,multidevs=remap")
: >"$job_dir/shares"
for i in "${!shares[@]}"; do
    dir="$(physical_dir "${shares[i]}" --share)"
    [[ "$dir" != / ]] || die "--share cannot be /"
    virtfs+=(-virtfs "local,path=$(qemu_path "$dir"),mount_tag=share$i,security_model=none,multidevs=remap")
    printf 'share%s %s\n' "$i" "$dir" >>"$job_dir/shares"
done

{
    printf 'cd -- %s || exit 2\n' "$(quote "$cwd")"
    for kv in "${envs[@]}"; do printf 'export %s\n' "$(quote "$kv")"; done
    printf 'exec'
    for arg in "$@"; do printf ' %s' "$(quote "$arg")"; done
    printf '\n'
} >"$job_dir/command.sh"
# Created here so the streams below can follow them from the start.
: >"$job_dir/stdout"
: >"$job_dir/stderr"
: >"$job_dir/console.log"

# tsc=reliable: TCG's TSC follows the host clock; without it the guest falls
# back to the HPET, whose every read is an emulated MMIO access.
append="console=ttyS0 lsm=lockdown,capability,landlock,yama,bpf panic=-1 tsc=reliable no_timer_check"
[[ "$verbose" == 1 ]] || append+=" quiet"

started_at="$(date +%s.%N)"
# KVM hangs on this kind of host right after the kernel is decompressed: TCG.
# q35, not pc: virtio-pci probing on pc's ACPI interrupt links costs ~1.5 s.
# qboot, not SeaBIOS: SeaBIOS clears and resets the terminal over the serial line.
timeout --kill-after=10 "$timeout_secs" qemu-system-x86_64 \
    -machine q35 -accel tcg -cpu max -smp "$smp" -m "$mem_mb" \
    -nographic -nodefaults -no-user-config -no-reboot -serial stdio -monitor none \
    -bios /usr/share/qemu/qboot.rom \
    -kernel "$kernel" -initrd "$initramfs" -append "$append" \
    "${virtfs[@]}" \
    </dev/null >"$job_dir/console.log" 2>&1 &
vm_pid=$!

# tail --pid reads once more after the VM is gone, so nothing is cut off.
follow() {
    exec tail -s 0.1 -c +1 -f --pid="$vm_pid" "$1"
}
follow "$job_dir/stdout" &
tail_pids=($!)
follow "$job_dir/stderr" >&2 &
tail_pids+=($!)
if [[ "$verbose" == 1 ]]; then
    follow "$job_dir/console.log" >&2 &
    tail_pids+=($!)
fi
# shellcheck disable=SC2317 # run by the trap below
interrupted() {
    kill "$vm_pid" 2>/dev/null
    wait "$vm_pid" 2>/dev/null
    kill "${tail_pids[@]}" 2>/dev/null
    wait "${tail_pids[@]}" 2>/dev/null
    die "interrupted; vm stopped"
}
trap interrupted INT TERM

vm_status=0
wait "$vm_pid" || vm_status=$?
wait "${tail_pids[@]}" || true
finished_at="$(date +%s.%N)"

# On failure the job dir is kept, even a temporary one, for the full console.
report_failure() {
    trap - EXIT
    if [[ "$verbose" != 1 ]]; then
        echo "run.sh: last lines of the guest console:" >&2
        tail -n 40 "$job_dir/console.log" | sed 's/^/  | /' >&2
    fi
    echo "run.sh: full console log: $job_dir/console.log" >&2
}

if [[ "$verbose" == 1 && -f "$job_dir/started" ]]; then
    awk -v s="$started_at" -v c="$(stat -c %.3Y "$job_dir/started")" -v e="$finished_at" \
        'BEGIN { printf "run.sh: boot to command %.2f s, total %.2f s\n", c - s, e - s }' >&2
fi

if [[ -f "$job_dir/status" ]]; then
    exit "$(cat "$job_dir/status")"
fi
report_failure
if ((vm_status == exit_timeout || vm_status == 137)); then
    echo "run.sh: timed out after ${timeout_secs} s (boot included) running: $*" >&2
    exit "$exit_timeout"
fi
if [[ -f "$job_dir/vm-error" ]]; then
    die "guest setup failed: $(cat "$job_dir/vm-error")"
fi
die "vm stopped (qemu status $vm_status) before the command finished"

#!/bin/busybox sh
# shellcheck shell=sh
# PID 1 of the kernel-VM guest (copied into the initramfs as /init by
# build-initramfs.sh). It turns the host's / into the guest's root, runs the
# job that scripts/vm/run.sh left on the job share, leaves its output and exit
# status there and powers off.
#
# No `set -e`: PID 1 exiting panics the kernel and hides the cause, so each
# step that can fail reports itself through fail() instead.
set -u

/bin/busybox mkdir -p /bin /dev /proc /sys
/bin/busybox --install -s /bin
export PATH=/bin

# The initramfs holds no device nodes; devtmpfs gives the console.
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1

job=/newroot/run/ebpipe-vm
job_ready=false

log() {
    echo "ebpipe-vm: $*"
}

power_off() {
    sync
    poweroff -f
    # Should power-off fail, PID 1 must still not exit: that would panic.
    while :; do sleep 60; done
}

fail() {
    log "error: $*"
    if [ "$job_ready" = true ]; then
        echo "$*" >"$job/vm-error"
    fi
    power_off
}

mount -t proc proc /proc || fail "mounting /proc"
mount -t sysfs sysfs /sys || fail "mounting /sys"

while read -r module; do
    insmod "/modules/$module" || fail "loading module $module"
done </modules/order

ninep=trans=virtio,version=9p2000.L,msize=512000
mkdir -p /lower /overlay /newroot
# The host root is the read-only lower layer of an overlay, which must not
# change under it anyway, so the guest may cache it.
mount -t 9p -o "$ninep,ro,cache=loose" hostroot /lower || fail "mounting host root over 9p"
mount -t tmpfs -o mode=0755 tmpfs /overlay || fail "mounting overlay tmpfs"
mkdir -p /overlay/upper /overlay/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/overlay/upper,workdir=/overlay/work /newroot ||
    fail "mounting overlay on the host root"

for fs in dev proc sys; do
    mount --move "/$fs" "/newroot/$fs" || fail "moving /$fs into the new root"
done
# The host's /run holds its own sockets and pids, meaningless here.
mount -t tmpfs -o mode=0755 tmpfs /newroot/run || fail "mounting /run"
mkdir -p "$job"
# Shares are written by host and guest alike, so no caching on them.
mount -t 9p -o "$ninep" ebpipejob "$job" || fail "mounting job share"
job_ready=true

# Lines are "TAG PATH"; the path is taken verbatim, spaces and all.
while IFS= read -r share; do
    tag="${share%% *}" path="${share#* }"
    mkdir -p "/newroot$path" || fail "creating mount point for share $path"
    mount -t 9p -o "$ninep" "$tag" "/newroot$path" || fail "mounting share $path"
done <"$job/shares"

mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts || fail "mounting /dev/pts"
mount -t tmpfs -o mode=1777 tmpfs /newroot/dev/shm || fail "mounting /dev/shm"
mount -t bpf bpf /newroot/sys/fs/bpf || fail "mounting bpffs"
mount -t tracefs tracefs /newroot/sys/kernel/tracing || fail "mounting tracefs"
mount -t securityfs securityfs /newroot/sys/kernel/security || fail "mounting securityfs"
mount -t debugfs debugfs /newroot/sys/kernel/debug || fail "mounting debugfs"
mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup || fail "mounting cgroup2"

ip link set lo up || fail "bringing up loopback"
hostname ebpipe-vm

uname -r >"$job/kernel-release"
# The host reads this file's mtime as the moment the command started.
: >"$job/started"
log "running job"
env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    chroot /newroot /bin/sh /run/ebpipe-vm/command.sh >"$job/stdout" 2>"$job/stderr"
code=$?
log "job exited with status $code"
# Written whole, then renamed: the host never reads a half-written status.
if ! { echo "$code" >"$job/status.tmp" && mv "$job/status.tmp" "$job/status"; }; then
    fail "writing job status"
fi
power_off

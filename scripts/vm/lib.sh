# shellcheck shell=bash
# Shared by the kernel-VM scripts: where the guest kernel and the cache live.
# Sourced, never run.

# The guest kernel must allow what the host refuses (kprobes, fentry, lsm/),
# which Debian 12's 6.1 kernel does; EBPIPE_VM_KERNEL picks another release.
vm_kernel_release() {
    if [[ -n "${EBPIPE_VM_KERNEL:-}" ]]; then
        printf '%s\n' "$EBPIPE_VM_KERNEL"
        return
    fi
    local dir release found=''
    for dir in /lib/modules/6.1.*; do
        release="${dir##*/}"
        [[ -d "$dir/kernel" && -f "/boot/vmlinuz-$release" ]] && found+="$release"$'\n'
    done
    [[ -n "$found" ]] || return 1
    printf '%s' "$found" | sort -V | tail -n 1
}

# shellcheck source=scripts/lib.sh
source "${BASH_SOURCE[0]%/*}/../lib.sh"

vm_cache_dir() {
    printf '%s\n' "$(ebpipe_cache_dir)/vm"
}

# Prints why the VM cannot run here, or nothing when it can.
vm_missing() {
    local release
    command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not found (run scripts/vm/install.sh)"; return; }
    [[ -f /usr/share/qemu/qboot.rom ]] || { echo "qboot firmware /usr/share/qemu/qboot.rom not found (run scripts/vm/install.sh)"; return; }
    release="$(vm_kernel_release)" || { echo "no 6.1 kernel in /lib/modules with /boot/vmlinuz (run scripts/vm/install.sh)"; return; }
    [[ -r "/boot/vmlinuz-$release" ]] || { echo "kernel image /boot/vmlinuz-$release missing or unreadable"; return; }
    [[ -f "/lib/modules/$release/modules.dep" ]] || { echo "modules of $release missing (/lib/modules/$release/modules.dep)"; return; }
    vm_static_busybox >/dev/null || echo "static busybox not found (install busybox-static)"
}

# The initramfs has no libc, so it takes the busybox of Debian's
# busybox-static package (the plain busybox package is dynamically linked).
vm_static_busybox() {
    local status files
    status="$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null)" || return 1
    [[ "$status" == *' installed' ]] || return 1
    files="$(dpkg-query -L busybox-static)"
    grep -m 1 '/bin/busybox$' <<<"$files"
}

#!/usr/bin/env bash
# Usage: extract-vmlinux.sh [OUT_DIR]
# Prints the kernel image for the guest to boot. Under TCG, decompressing
# Debian's xz bzImage costs about 5 s of every boot, so when the kernel can
# boot through PVH (QEMU enters the uncompressed ELF directly) this unpacks it
# once into OUT_DIR (default: the ebpipe cache) and prints that; otherwise it
# prints /boot/vmlinuz-<release>.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/vm/lib.sh
source "$here/lib.sh"

out_dir="${1:-$(vm_cache_dir)}"
release="$(vm_kernel_release)" || { echo "extract-vmlinux.sh: no 6.1 kernel installed (run scripts/vm/install.sh)" >&2; exit 1; }
bzimage="/boot/vmlinuz-$release"

if ! grep -qx 'CONFIG_PVH=y' "/boot/config-$release" 2>/dev/null; then
    printf '%s\n' "$bzimage"
    exit 0
fi

mkdir -p "$out_dir"
vmlinux="$out_dir/vmlinux-$release"
stamp="$out_dir/vmlinux-$release.inputs"
inputs="$(sha256sum <"$bzimage")"

exec 9>"$out_dir/.vmlinux.lock"
flock 9
if [[ -f "$vmlinux" && -f "$stamp" && "$(cat "$stamp")" == "$inputs" ]]; then
    printf '%s\n' "$vmlinux"
    exit 0
fi

# The payload is the first xz stream in the bzImage (the magic is FD '7zXZ' 00).
offset="$(LC_ALL=C grep -obUaP '\xFD7zXZ\x00' "$bzimage" | head -n 1 | cut -d : -f 1)" || true
tmp="$(mktemp "$out_dir/.vmlinux.XXXXXX")"
trap 'rm -f -- "$tmp"' EXIT
# xz stops reading after the stream, so tail's SIGPIPE must not count.
if [[ -z "$offset" ]] || ! xz -dc --single-stream <(tail -c "+$((offset + 1))" "$bzimage") >"$tmp" 2>/dev/null ||
    [[ "$(head -c 4 "$tmp")" != $'\x7fELF' ]]; then
    echo "extract-vmlinux.sh: no xz-compressed ELF found in $bzimage; booting it compressed (slower)" >&2
    printf '%s\n' "$bzimage"
    exit 0
fi
mv -f "$tmp" "$vmlinux"
printf '%s\n' "$inputs" >"$stamp"
echo "extract-vmlinux.sh: unpacked $bzimage into $vmlinux" >&2
printf '%s\n' "$vmlinux"

#!/usr/bin/env bash
# Usage: build-initramfs.sh [OUT_DIR]
# Builds the kernel-VM guest's initramfs (static busybox, the 9p/virtio/overlay
# modules and scripts/vm/init.sh as /init) into OUT_DIR (default: the ebpipe
# cache, outside the repo) and prints its path. Rebuilds only when an input
# changed: the kernel release, its modules, busybox, init.sh or this script.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/vm/lib.sh
source "$here/lib.sh"

out_dir="${1:-$(vm_cache_dir)}"
release="$(vm_kernel_release)" || { echo "build-initramfs.sh: no 6.1 kernel installed (run scripts/vm/install.sh)" >&2; exit 1; }
busybox="$(vm_static_busybox)" || { echo "build-initramfs.sh: busybox-static is not installed (run scripts/vm/install.sh)" >&2; exit 1; }
moddir="/lib/modules/$release"

# Loaded in this order; dependencies modules.dep names are added before their
# users, so a later kernel with new dependencies still boots.
wanted=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
    netfs fscache 9pnet 9pnet_virtio 9p overlay)

declare -A dep_line=() added=()
order=()
while IFS= read -r line; do
    path="${line%%:*}"
    name="${path##*/}"
    dep_line["${name%%.ko*}"]="$line"
done <"$moddir/modules.dep"

add_module() {
    local name="$1" line deps i
    [[ -z "${added[$name]:-}" ]] || return 0
    added[$name]=1
    line="${dep_line[$name]:-}"
    if [[ -z "$line" ]]; then
        # Built into this kernel: nothing to load.
        grep -q "/${name}.ko\$" "$moddir/modules.builtin" && return 0
        echo "build-initramfs.sh: module $name not found in $moddir/modules.dep" >&2
        exit 1
    fi
    read -r -a deps <<<"${line#*:}"
    # modules.dep lists a module's dependencies users first, so load from the end.
    for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
        local dep="${deps[i]##*/}"
        add_module "${dep%%.ko*}"
    done
    case "${line%%:*}" in
        *.ko) order+=("${line%%:*}") ;;
        *) echo "build-initramfs.sh: module ${line%%:*} is compressed; only plain .ko is supported" >&2; exit 1 ;;
    esac
}
for name in "${wanted[@]}"; do add_module "$name"; done

mkdir -p "$out_dir"
image="$out_dir/initramfs-$release.cpio.gz"
stamp="$out_dir/initramfs-$release.inputs"
inputs="$(
    printf '%s\n' "$release" "${order[@]}"
    (cd "$moddir" && sha256sum "${order[@]}")
    sha256sum "$busybox" "$here/init.sh" "${BASH_SOURCE[0]}" | cut -d ' ' -f 1
)"

# Tests run VMs in parallel; one builds, the others wait and reuse it.
exec 9>"$out_dir/.initramfs.lock"
flock 9
if [[ -f "$image" && -f "$stamp" && "$(cat "$stamp")" == "$inputs" ]]; then
    printf '%s\n' "$image"
    exit 0
fi

stage="$(mktemp -d "$out_dir/.stage.XXXXXX")"
trap 'rm -rf -- "$stage"' EXIT
root="$stage/root"
mkdir -p "$root/bin" "$root/modules"
cp "$busybox" "$root/bin/busybox"
install -m 0755 "$here/init.sh" "$root/init"
for path in "${order[@]}"; do
    cp "$moddir/$path" "$root/modules/"
    printf '%s\n' "${path##*/}" >>"$root/modules/order"
done
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) |
    gzip -1 >"$stage/image"
mv -f "$stage/image" "$image"
printf '%s\n' "$inputs" >"$stamp"
echo "build-initramfs.sh: built $image (kernel $release, modules: ${order[*]##*/})" >&2
printf '%s\n' "$image"

#!/usr/bin/env bash
# Installs what scripts/vm/run.sh needs on Debian 12: QEMU, Debian's 6.1
# kernel and a static busybox. Idempotent: apt runs only for what is missing.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/vm/lib.sh
source "$here/lib.sh"

wanted=()
command -v qemu-system-x86_64 >/dev/null || wanted+=(qemu-system-x86)
vm_kernel_release >/dev/null || wanted+=(linux-image-amd64)
vm_static_busybox >/dev/null || wanted+=(busybox-static)
# extract-vmlinux.sh unpacks the kernel with it (booting it packed is slower).
command -v xz >/dev/null || wanted+=(xz-utils)

if ((${#wanted[@]} > 0)); then
    [[ "$(id -u)" == 0 ]] || { echo "install.sh: installing ${wanted[*]} needs root" >&2; exit 1; }
    echo "install.sh: installing ${wanted[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # No recommends: the GUI, firmware and apparmor they pull in are not needed.
    apt-get install -y -q --no-install-recommends "${wanted[@]}"
fi

missing="$(vm_missing)"
if [[ -n "$missing" ]]; then
    echo "install.sh: kernel vm still unusable: $missing" >&2
    exit 1
fi
echo "install.sh: ready (guest kernel $(vm_kernel_release))" >&2

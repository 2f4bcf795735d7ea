#!/usr/bin/env bash
# Installs and builds everything the agent needs on Debian 12 (run as root):
# toolchain and libbpf from Debian, npm dependencies, then the BPF objects, the
# native addon and the TypeScript. Idempotent: apt runs only for what is missing.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."

packages=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make g++ pkg-config python3 nodejs npm)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || missing+=("$p")
done
# nodejs/npm may come from elsewhere (nodesource, nvm): a working node is enough.
if command -v node >/dev/null && command -v npm >/dev/null; then
    missing=("${missing[@]/nodejs/}")
    missing=("${missing[@]/npm/}")
fi
read -r -a missing <<<"${missing[*]}"
if ((${#missing[@]} > 0)); then
    [[ "$(id -u)" == 0 ]] || { echo "setup.sh: installing ${missing[*]} needs root" >&2; exit 1; }
    echo "setup.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The kernel sensors need these mounted; the agent also mounts them, but tests read them first.
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing || true
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || true
mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security || true

# `npm install`, not `npm ci`: chdb's optional platform packages for other systems are not on
# this registry, so they are missing from the lock and `npm ci` refuses it as out of sync.
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm install --no-fund --no-audit
fi
make -j"$(nproc)" all

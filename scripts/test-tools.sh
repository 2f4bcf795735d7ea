#!/usr/bin/env bash
# Installs the Debian tools the tests use beyond the agent's own build (run as root):
# docker-compose, which checks docker-compose.yml with `docker-compose config` (no Docker
# engine is needed for that, and none runs on the test machines). Idempotent: apt runs only
# for what is missing.
set -euo pipefail

wanted=()
command -v docker-compose >/dev/null || wanted+=(docker-compose)

if ((${#wanted[@]} > 0)); then
    [[ "$(id -u)" == 0 ]] || { echo "test-tools.sh: installing ${wanted[*]} needs root" >&2; exit 1; }
    echo "test-tools.sh: installing ${wanted[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${wanted[@]}"
fi

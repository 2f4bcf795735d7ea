#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine (run as root): installs what
# the agent and the tests need, builds, then runs every test with node's test runner.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/vm/install.sh
bash scripts/test-tools.sh
node="$(bash scripts/node.sh)"
export PATH="${node%/*}:$PATH"
export EBPIPE_LOG_LEVEL="${EBPIPE_LOG_LEVEL:-warn}"
mapfile -t tests < <(find dist -name '*.test.js' -not -path '*/node_modules/*' | sort)
# One file at a time: kernel tests share the host's tracepoints and timing.
# A hung test fails after 10 minutes instead of holding CI until its own limit.
exec "$node" --test --test-concurrency=1 --test-timeout=600000 "${tests[@]}"

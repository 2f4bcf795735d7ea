#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine (run as root): installs what
# the agent and the tests need, builds it and the test services, then runs every test with
# node's test runner.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/vm/install.sh
bash scripts/test-tools.sh
# The services the exporter tests run (scripts/services/): built here, once, into the cache,
# so no Go build or jar download runs inside a test's 10-minute limit.
for service in kafka otelcol s3; do
    SECONDS=0
    bash "scripts/services/$service.sh" build
    echo "test.sh: $service ready ($SECONDS s)" >&2
done
node="$(bash scripts/node.sh)"
export PATH="${node%/*}:$PATH"
# Lint is part of the suite: the layer rule (eslint/layers.js), no floating promises.
npx --no-install eslint src test bench scripts
export EBPIPE_LOG_LEVEL="${EBPIPE_LOG_LEVEL:-warn}"
# Compiled tests whose source is gone (moved or deleted) are not run.
mapfile -t tests < <(find dist -name '*.test.js' -not -path '*/node_modules/*' | sort |
    while read -r js; do src="${js#dist/}"; [[ -f "${src%.js}.ts" ]] && echo "$js"; done)
# One file at a time: kernel tests share the host's tracepoints and timing.
# A hung test fails after 10 minutes instead of holding CI until its own limit.
exec "$node" --test --test-concurrency=1 --test-timeout=600000 "${tests[@]}"

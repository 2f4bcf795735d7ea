#!/usr/bin/env bash
# Quick start: install and build what the agent needs, then run it on the default pipeline
# (pipelines/default.yaml): this host's events live on the console and in the embedded store.
# Extra arguments go to `ebpipe run` (e.g. -c my-pipeline.yaml).
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec bin/ebpipe run "$@"

#!/usr/bin/env bash
# Quick start: install and build what the agent needs, then show this host's process
# events live. Extra arguments go to `ebpipe observe` (e.g. --output json).
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec node bin/ebpipe.js observe "$@"

#!/usr/bin/env bash
# Usage: scripts/ocsf/schema.sh SCHEMA_DIR [OUT.json]
#
# Writes the OCSF test data of src/exporters/ocsf/ (default
# src/exporters/ocsf/testdata/ocsf-schema.json) from a checkout of the OCSF schema repository
# (github.com/ocsf/ocsf-schema at the release tag named in src/exporters/ocsf/ocsf-version.ts):
# compiled by the OCSF project's own compiler (PyPI ocsf-lib, in a virtualenv in the cache),
# then trimmed to the classes ebpipe maps to and the objects they reach (trim-schema.py).
# Only needed to move to another OCSF release; the tests read the committed file.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/../lib.sh"

readonly ocsf_lib_version=0.10.4
schema_dir="${1:?usage: schema.sh SCHEMA_DIR [OUT.json]}"
out="${2:-$here/../../src/exporters/ocsf/testdata/ocsf-schema.json}"

venv="$(ebpipe_cache_dir)/ocsf-lib/$ocsf_lib_version"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "ocsf-lib==$ocsf_lib_version"
fi
# Extensions (linux, windows, macos) are left out: ebpipe emits the core schema only.
"$venv/bin/python" -m ocsf.compile "$schema_dir" --ignore-extension linux windows macos |
    "$venv/bin/python" "$here/trim-schema.py" >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"

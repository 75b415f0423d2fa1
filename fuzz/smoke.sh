#!/usr/bin/env bash
# CI smoke run: every fuzz target for a few seconds (default 15 s each,
# override with SMOKE_SECS). Building the targets the first time takes
# several minutes on 2 cores; the runs themselves about a minute in all.
# Exits non-zero on the first crash. Needs nightly and cargo-fuzz.
set -euo pipefail
exec "$(dirname "$0")/run.sh" "${SMOKE_SECS:-15}" "$@"

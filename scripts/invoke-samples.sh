#!/usr/bin/env bash
# Runs every sample event of the functions that need no AWS through `sls invoke local`, the way a
# newcomer would, and fails on the first one that does not succeed. Usage: scripts/invoke-samples.sh [fn ...]
set -euo pipefail
cd "$(dirname "$0")/.."
export HOME="${HOME:-$(mktemp -d)}" SLS_TELEMETRY_DISABLED=1 POWERTOOLS_LOG_LEVEL=ERROR

kebab() { echo "$1" | sed 's/[A-Z]/-&/g' | tr 'A-Z' 'a-z'; }
functions=("$@")
[ ${#functions[@]} -gt 0 ] || functions=(concat joinStrings versionedName exampleOutputs)

for fn in "${functions[@]}"; do
  shopt -s nullglob
  files=(events/"$(kebab "$fn")"*.json)
  [ ${#files[@]} -gt 0 ] || { echo "no sample event for $fn" >&2; exit 1; }
  for file in "${files[@]}"; do
    out=$(npx sls invoke local -f "$fn" --path "$file" 2>&1) || { echo "FAILED: $fn $file"; echo "$out"; exit 1; }
    echo "ok: $fn $file -> $(echo "$out" | grep -v '^npm' | tr -d ' \n' | cut -c1-120)"
  done
done

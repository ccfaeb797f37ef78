#!/usr/bin/env bash
# Runs through `sls invoke local`, the way a newcomer would, every sample event of the functions that
# need no AWS, the sample events of the others that end before any AWS call (events the
# post-processing ignores), and the sweep and the fan-out progress report against a local DynamoDB; fails on the first that does not succeed. Usage: scripts/invoke-samples.sh [fn ...]
set -euo pipefail
cd "$(dirname "$0")/.."
export HOME="${HOME:-$(mktemp -d)}" SLS_TELEMETRY_DISABLED=1 POWERTOOLS_LOG_LEVEL=ERROR AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

kebab() { echo "$1" | sed 's/[A-Z]/-&/g' | tr 'A-Z' 'a-z'; }
functions=("$@")
[ ${#functions[@]} -gt 0 ] || functions=(concat joinStrings versionedName exampleOutputs)

invoke() {
  local fn=$1 file=$2 out
  out=$(npx sls invoke local -f "$fn" --path "$file" 2>&1) || { echo "FAILED: $fn $file"; echo "$out"; exit 1; }
  last_output=$(echo "$out" | grep -v '^npm' | tr -d ' \n')
  echo "ok: $fn $file -> $(echo "$last_output" | cut -c1-120)"
}

for fn in "${functions[@]}"; do
  shopt -s nullglob
  files=(events/"$(kebab "$fn")"*.json)
  [ ${#files[@]} -gt 0 ] || { echo "no sample event for $fn" >&2; exit 1; }
  for file in "${files[@]}"; do invoke "$fn" "$file"; done
done

if [ $# -eq 0 ]; then
  # No AWS endpoint can answer here: these must end before any call (an unrouted pipeline, a status
  # that needs no work). The ones that call AWS are covered by the handler tests with the same files.
  export AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_MAX_ATTEMPTS=1
  invoke onPipelineExecutionStatus events/on-pipeline-execution-status-executing.json
  invoke onPipelineExecutionStatus events/on-pipeline-execution-status-unrouted-pipeline.json

  # A local DynamoDB holding the fan-out table and one sample fan-out, created now: the sweep leaves
  # fan-outs younger than 15 minutes to their events (it must list none), fanOutProgress reports it.
  table_log=$(mktemp)
  node --import tsx scripts/local-fan-out-table.ts --sample > "$table_log" 2>&1 &
  table_pid=$!
  trap 'kill $table_pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do grep -q '^AWS_ENDPOINT_URL_DYNAMODB=' "$table_log" && break; sleep 0.2; done
  endpoint=$(sed -n 's/^AWS_ENDPOINT_URL_DYNAMODB=//p' "$table_log")
  [ -n "$endpoint" ] || { echo "FAILED: local fan-out table"; cat "$table_log"; exit 1; }
  AWS_ENDPOINT_URL_DYNAMODB=$endpoint AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
    invoke sweepFanOuts events/sweep-fan-outs.json
  echo "$last_output" | grep -q '"fanOuts":0' || { echo "FAILED: sweepFanOuts swept a fan-out younger than 15 minutes"; exit 1; }
  AWS_ENDPOINT_URL_DYNAMODB=$endpoint AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
    invoke fanOutProgress events/fan-out-progress.json
  echo "$last_output" | grep -q '"summary":"RUNNING:2of5childrenended(1succeeded,1failed,0stopped),1running,2pending' ||
    { echo "FAILED: fanOutProgress did not report the sample fan-out"; exit 1; }
fi

#!/usr/bin/env bash
# Runs through `sls invoke local`, the way a newcomer would, every sample event of the functions that
# need no AWS, the sample events of the others that end before any AWS call (events the
# post-processing ignores), and the sweep against a local DynamoDB; fails on the first that does not succeed. Usage: scripts/invoke-samples.sh [fn ...]
set -euo pipefail
cd "$(dirname "$0")/.."
export HOME="${HOME:-$(mktemp -d)}" SLS_TELEMETRY_DISABLED=1 POWERTOOLS_LOG_LEVEL=ERROR

kebab() { echo "$1" | sed 's/[A-Z]/-&/g' | tr 'A-Z' 'a-z'; }
functions=("$@")
[ ${#functions[@]} -gt 0 ] || functions=(concat joinStrings versionedName exampleOutputs)

stderr_file=$(mktemp)
invoke() {
  local fn=$1 file=$2 out
  # stderr (the SDK's Node-version notice on Node < 22, npm notices) is shown only on failure.
  out=$(npx sls invoke local -f "$fn" --path "$file" 2>"$stderr_file") || { echo "FAILED: $fn $file"; echo "$out"; cat "$stderr_file"; exit 1; }
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
  # A failure shows the error's real name, as Lambda's errorType would (not a minified class name).
  if out=$(npx sls invoke local -f concat --data '{"str1": "a"}' 2>&1); then
    echo "FAILED: concat accepted an input without str2"; echo "$out"; exit 1
  fi
  echo "$out" | grep -q '"errorType": "InvalidInputError"' || { echo "FAILED: concat's failure does not show errorType InvalidInputError"; echo "$out"; exit 1; }
  echo 'ok: concat {"str1": "a"} -> fails with errorType InvalidInputError'

  # No AWS endpoint can answer here: these must end before any call (an unrouted pipeline, a status
  # that needs no work). The ones that call AWS are covered by the handler tests with the same files.
  export AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_MAX_ATTEMPTS=1
  invoke onPipelineExecutionStatus events/on-pipeline-execution-status-executing.json
  invoke onPipelineExecutionStatus events/on-pipeline-execution-status-unrouted-pipeline.json
  # The README's offline recipe for a routed event, as written (no credentials in CI): it must get as
  # far as the network call and fail there.
  if out=$(npx sls invoke local -f onPipelineExecutionStatus --path events/on-pipeline-execution-status-succeeded.json 2>&1); then
    echo "FAILED: onPipelineExecutionStatus succeeded with no AWS endpoint"; echo "$out"; exit 1
  fi
  echo "$out" | grep -q 'ECONNREFUSED 127.0.0.1:9' || { echo "FAILED: the offline recipe did not fail at the network call"; echo "$out"; exit 1; }
  echo "ok: onPipelineExecutionStatus events/on-pipeline-execution-status-succeeded.json -> fails at the network call (ECONNREFUSED)"
  # A queue consumer that fails a message still succeeds (exit 0, as on Lambda): it returns the
  # message in batchItemFailures, and its log says the message failed (docs/troubleshooting.md).
  out=$(npx sls invoke local -f fanOutCallback --path events/fan-out-callback.json 2>&1) || { echo "FAILED: fanOutCallback exited non-zero"; echo "$out"; exit 1; }
  echo "$out" | grep -q '"itemIdentifier"' && echo "$out" | grep -q 'fan-in message [^ ]* failed: .*ECONNREFUSED.*SQS will deliver it again' ||
    { echo "FAILED: fanOutCallback did not report the failed message"; echo "$out"; exit 1; }
  echo "ok: fanOutCallback events/fan-out-callback.json -> exit 0, batchItemFailures, logged 'fan-in message ... failed'"

  # The sweep against a local DynamoDB holding an empty fan-out table: it must list no fan-out.
  table_log=$(mktemp)
  node --import tsx scripts/local-fan-out-table.ts > "$table_log" 2>&1 &
  table_pid=$!
  trap 'kill $table_pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do grep -q '^AWS_ENDPOINT_URL_DYNAMODB=' "$table_log" && break; sleep 0.2; done
  endpoint=$(sed -n 's/^AWS_ENDPOINT_URL_DYNAMODB=//p' "$table_log")
  [ -n "$endpoint" ] || { echo "FAILED: local fan-out table"; cat "$table_log"; exit 1; }
  AWS_ENDPOINT_URL_DYNAMODB=$endpoint AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
    invoke sweepFanOuts events/sweep-fan-outs.json
  echo "$last_output" | grep -q '"fanOuts":0' || { echo "FAILED: sweepFanOuts listed fan-outs in an empty table"; exit 1; }
fi

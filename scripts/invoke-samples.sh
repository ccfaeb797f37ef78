#!/usr/bin/env bash
# Runs through `sls invoke local`, the way a newcomer would, every sample event of the functions that
# need no AWS, the sample events of the others that end before any AWS call (events the
# post-processing ignores), the sweep and the fan-out progress report against a local DynamoDB, the
# fan-in consumer's and startChildPipelines' samples against a local DynamoDB, a local SageMaker and a
# local S3 serving the manifests of events/manifests, the partition functions' and the routed
# post-processing samples against local Glue, Athena, S3 and SageMaker (scripts/local-partitions.ts);
# fails on the first that does not succeed.
# Usage: scripts/invoke-samples.sh [fn ...]
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
  out=$(npx sls invoke local -f "$fn" --path "$file" "${@:3}" 2>"$stderr_file") || { echo "FAILED: $fn $file"; echo "$out"; cat "$stderr_file"; exit 1; }
  last_output=$(echo "$out" | grep -v '^npm' | sed -n '/^[[{]/,$p' | tr -d ' \n')
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
  # --data that is not JSON reaches the function as a string: the answer says where it is not JSON.
  out=$(npx sls invoke local -f concat --data '{str1: "a"}' 2>&1) && { echo "FAILED: concat accepted --data that is not JSON"; echo "$out"; exit 1; }
  echo "$out" | grep -q 'event: not valid JSON (line 1, column 2' || { echo "FAILED: concat's answer to --data '{str1: \"a\"}' does not say where it is not JSON"; echo "$out"; exit 1; }
  echo 'ok: concat {str1: "a"} -> event: not valid JSON (line 1, column 2: ...)'

  # No AWS endpoint can answer here: these must end before any call (an unrouted pipeline, a status
  # that needs no work). The routed ones run against the local stand-ins below.
  export AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_MAX_ATTEMPTS=1
  invoke onPipelineExecutionStatus events/on-pipeline-execution-status-executing.json
  invoke onPipelineExecutionStatus events/on-pipeline-execution-status-unrouted-pipeline.json
  # A queue consumer that fails a message still succeeds (exit 0, as on Lambda): it returns the
  # message in batchItemFailures, and its log says the message failed (docs/troubleshooting.md).
  out=$(npx sls invoke local -f fanOutCallback --path events/fan-out-callback.json 2>&1) || { echo "FAILED: fanOutCallback exited non-zero"; echo "$out"; exit 1; }
  echo "$out" | grep -q '"itemIdentifier"' && echo "$out" | grep -q 'fan-in message [^ ]* failed: .*ECONNREFUSED.*SQS will deliver it again' ||
    { echo "FAILED: fanOutCallback did not report the failed message"; echo "$out"; exit 1; }
  echo "ok: fanOutCallback events/fan-out-callback.json -> exit 0, batchItemFailures, logged 'fan-in message ... failed'"

  # Serves scripts/<script> in the background until the script ends; sets $served to the value of its
  # first `<var>=` line (an endpoint).
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
  serve() {
    local var=$1 log=$2; shift 2
    node --import tsx "$@" > "$log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do grep -q "^$var=" "$log" && break; sleep 0.2; done
    served=$(sed -n "s/^$var=//p" "$log")
    [ -n "$served" ] || { echo "FAILED: $*"; cat "$log"; exit 1; }
  }
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local

  # A local DynamoDB holding the fan-out table and one sample fan-out, created now: the sweep leaves
  # fan-outs younger than 15 minutes to their events (it must list none), fanOutProgress reports it.
  serve AWS_ENDPOINT_URL_DYNAMODB "$(mktemp)" scripts/local-fan-out-table.ts --sample
  AWS_ENDPOINT_URL_DYNAMODB=$served invoke sweepFanOuts events/sweep-fan-outs.json
  echo "$last_output" | grep -q '"fanOuts":0' || { echo "FAILED: sweepFanOuts swept a fan-out younger than 15 minutes"; exit 1; }
  AWS_ENDPOINT_URL_DYNAMODB=$served invoke fanOutProgress events/fan-out-progress.json
  echo "$last_output" | grep -q '"summary":"RUNNING:2of5childrenended(1succeeded,1failed,0stopped),1running,2pending' ||
    { echo "FAILED: fanOutProgress did not report the sample fan-out"; exit 1; }

  # The fan-in consumer against a local DynamoDB and a local SageMaker (the tests' fake), fresh for each
  # sample: a start sample starts the two children; a Stopping sample, sent after the start sample,
  # stops them and fails the parent's step once.
  fan_in() {
    local file=$1 calls
    calls=$(mktemp)
    serve AWS_ENDPOINT_URL_DYNAMODB "$(mktemp)" scripts/local-fan-out-table.ts
    local table=$served
    serve AWS_ENDPOINT_URL_SAGEMAKER "$calls" scripts/local-sagemaker.ts child-pipeline-1:ProcessingDate
    export AWS_ENDPOINT_URL_DYNAMODB=$table AWS_ENDPOINT_URL_SAGEMAKER=$served
    [[ $file == *stopping* ]] && invoke fanOutCallback events/fan-out-callback.json
    invoke fanOutCallback "$file"
    echo "$last_output" | grep -q '"batchItemFailures":\[\]' || { echo "FAILED: fanOutCallback $file reported a failure"; exit 1; }
    local expected="StartPipelineExecution=2 StopPipelineExecution=0 SendPipelineExecutionStepFailure=0"
    [[ $file == *stopping* ]] && expected="StartPipelineExecution=2 StopPipelineExecution=2 SendPipelineExecutionStepFailure=1"
    local got=""
    for op in StartPipelineExecution StopPipelineExecution SendPipelineExecutionStepFailure; do
      got="$got $op=$(grep -c "^call $op " "$calls" || true)"
    done
    [ "${got# }" = "$expected" ] || { echo "FAILED: fanOutCallback $file made the calls$got (expected $expected)"; exit 1; }
    kill "${pids[@]: -2}" 2>/dev/null || true
  }
  for file in events/fan-out-callback*.json; do fan_in "$file"; done

  # Counts the calls a local SageMaker answered: "StartPipelineExecution=2 ...".
  calls_made() {
    local log=$1 got="" op; shift
    for op in "$@"; do got="$got $op=$(grep -c "^call $op " "$log" || true)"; done
    echo "${got# }"
  }
  # The manifests of events/manifests, served as s3://example-manifests/fan-out/<file> by a local S3.
  serve AWS_ENDPOINT_URL_S3 "$(mktemp)" scripts/local-s3.ts s3://example-manifests/fan-out/=events/manifests
  export AWS_ENDPOINT_URL_S3=$served

  # startChildPipelines' samples against a local SageMaker: one start per pipeline and item.
  for file in events/start-child-pipelines*.json; do
    calls=$(mktemp)
    serve AWS_ENDPOINT_URL_SAGEMAKER "$calls" scripts/local-sagemaker.ts \
      child-pipeline-1:ProcessingDate,Region child-pipeline-2:ProcessingDate train-region:Region,Epochs
    AWS_ENDPOINT_URL_SAGEMAKER=$served invoke startChildPipelines "$file"
    expected=$(echo "$last_output" | sed -n 's/.*"startedCount":\([0-9]*\).*/StartPipelineExecution=\1/p')
    got=$(calls_made "$calls" StartPipelineExecution)
    [ -n "$expected" ] && [ "$expected" != "StartPipelineExecution=0" ] && [ "$got" = "$expected" ] ||
      { echo "FAILED: startChildPipelines $file made $got for a result of $last_output"; exit 1; }
    kill "${pids[@]: -1}" 2>/dev/null || true
  done

  # The fan-in consumer on a CSV manifest: the two rows start two children.
  calls=$(mktemp)
  serve AWS_ENDPOINT_URL_DYNAMODB "$(mktemp)" scripts/local-fan-out-table.ts
  table=$served
  serve AWS_ENDPOINT_URL_SAGEMAKER "$calls" scripts/local-sagemaker.ts child-pipeline-1:ProcessingDate,Region
  AWS_ENDPOINT_URL_DYNAMODB=$table AWS_ENDPOINT_URL_SAGEMAKER=$served invoke fanOutCallback events/fan-out-manifest-callback.json
  echo "$last_output" | grep -q '"batchItemFailures":\[\]' || { echo "FAILED: fanOutCallback on a manifest reported a failure"; exit 1; }
  got=$(calls_made "$calls" StartPipelineExecution SendPipelineExecutionStepFailure)
  [ "$got" = "StartPipelineExecution=2 SendPipelineExecutionStepFailure=0" ] ||
    { echo "FAILED: fanOutCallback on a manifest made the calls $got"; exit 1; }

  # The partition functions' samples and the routed post-processing samples, each against fresh local
  # Glue, Athena, S3 and SageMaker holding the sample tables and events/data (the catalog already holds
  # all but the newest day): each must register what its sample names, and print what it expects.
  partition_sample() {
    local fn=$1 file=$2 expected=$3 log
    log=$(mktemp)
    serve AWS_ENDPOINT_URL_SAGEMAKER "$log" scripts/local-partitions.ts --sample
    (
      export $(grep '^AWS_ENDPOINT_URL_' "$log")
      invoke "$fn" "$file"
      echo "$last_output" | grep -q "$expected" || { echo "FAILED: $fn $file: expected $expected"; exit 1; }
    )
    kill "${pids[@]: -1}" 2>/dev/null || true
  }
  partition_sample createPartitions events/create-partitions.json '"added":2,"alreadyRegistered":0'
  partition_sample createPartitions events/create-partitions-dry-run.json '"added":2,"alreadyRegistered":1,.*"dryRun":true'
  partition_sample createPartitions events/create-partitions-sync.json '"added":2,"alreadyRegistered":1,"moved":0,"removed":0'
  partition_sample repairTable events/repair-table.json '"state":"SUCCEEDED","added":2,"notAdded":0'
  partition_sample repairTable events/repair-table-add.json '"state":"SUCCEEDED","added":2,"alreadyRegistered":0'
  partition_sample onPipelineExecutionStatus events/on-pipeline-execution-status-succeeded.json '"registrations":1,"added":1'
  partition_sample onPipelineExecutionStatus events/on-pipeline-execution-status-step-succeeded.json '"registrations":1,"added":1'
  partition_sample onPipelineExecutionStatus events/on-pipeline-execution-status-failed.json '"action":"explained-failure"'

  # The Distributed Map sample (maxRunning 1, tolerated failures, childRetries, resultsS3Uri): one of
  # its three children starts; each child's end event starts the next; the last end writes the results
  # object to a local S3 and succeeds the parent's step.
  calls=$(mktemp)
  s3log=$(mktemp)
  results=$(mktemp -d)
  serve AWS_ENDPOINT_URL_DYNAMODB "$(mktemp)" scripts/local-fan-out-table.ts
  table=$served
  serve AWS_ENDPOINT_URL_SAGEMAKER "$calls" scripts/local-sagemaker.ts child-pipeline-1:ProcessingDate
  sagemaker=$served
  serve AWS_ENDPOINT_URL_S3 "$s3log" scripts/local-s3.ts "s3://example-results/fan-out/=$results"
  export AWS_ENDPOINT_URL_DYNAMODB=$table AWS_ENDPOINT_URL_SAGEMAKER=$sagemaker AWS_ENDPOINT_URL_S3=$served
  invoke fanOutCallback events/fan-out-distributed-map-callback.json --env FAN_OUT_RESULTS_BUCKETS=example-results
  echo "$last_output" | grep -q '"batchItemFailures":\[\]' || { echo "FAILED: fanOutCallback on the Distributed Map sample reported a failure"; exit 1; }
  got=$(calls_made "$calls" StartPipelineExecution)
  [ "$got" = "StartPipelineExecution=1" ] || { echo "FAILED: maxRunning 1 made $got"; exit 1; }
  sample_child=arn:aws:sagemaker:us-east-1:111122223333:pipeline/child-pipeline-1/execution/c7kq2mz0ab1x
  for n in 1 2 3; do
    # The local SageMaker's n-th execution (its ARNs end in the start's number, 12 digits).
    event=$(mktemp)
    sed "s#$sample_child#arn:aws:sagemaker:us-east-1:111122223333:pipeline/child-pipeline-1/execution/$(printf '%012d' "$n")#g" \
      events/on-child-execution-status.json > "$event"
    invoke onChildExecutionStatus "$event"
  done
  got=$(calls_made "$calls" StartPipelineExecution SendPipelineExecutionStepSuccess SendPipelineExecutionStepFailure)
  [ "$got" = "StartPipelineExecution=3 SendPipelineExecutionStepSuccess=1 SendPipelineExecutionStepFailure=0" ] ||
    { echo "FAILED: the Distributed Map sample made the calls $got"; exit 1; }
  grep -q '^put s3://example-results/fan-out/fan-out-d1stmap00001-[0-9a-f]*\.jsonl 200$' "$s3log" && [ "$(cat "$results"/*.jsonl | wc -l)" -eq 3 ] ||
    { echo "FAILED: the Distributed Map sample wrote no results object of 3 lines"; cat "$s3log"; exit 1; }
  echo "ok: the Distributed Map sample -> 1 child at a time, 3 ends, results object $(cd "$results" && ls)"
fi

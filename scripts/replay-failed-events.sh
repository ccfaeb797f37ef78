#!/usr/bin/env bash
# Replays the events kept in the post-processing on-failure queue: each message is sent again to
# onPipelineExecutionStatus (asynchronously), then deleted from the queue. Safe to repeat: the
# partition registrars are idempotent.
#   scripts/replay-failed-events.sh [stage] [--dry-run] [--region <region>]
# Needs: the aws CLI (v2) and jq on PATH; a region (--region, AWS_REGION, AWS_DEFAULT_REGION or the
# profile's `aws configure get region`); credentials allowed sqs:GetQueueUrl, ReceiveMessage and
# DeleteMessage on the queue and lambda:InvokeFunction on the function. Needs an AWS account.
set -euo pipefail

usage() { echo "usage: $0 [stage] [--dry-run] [--region <region>]" >&2; exit 2; }

stage=dev dry_run='' region=''
stage_given=''
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=--dry-run ;;
    --region) [ $# -ge 2 ] && [ -n "$2" ] || usage; region=$2; shift ;;
    --region=*) region=${1#--region=}; [ -n "$region" ] || usage ;;
    -h | --help) usage ;;
    -*) echo "unknown option: $1" >&2; usage ;;
    *) [ -z "$stage_given" ] || usage; stage=$1; stage_given=1 ;;
  esac
  shift
done

# Refuse before any call, naming everything that is missing.
missing=()
command -v aws >/dev/null 2>&1 || missing+=("the aws CLI (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)")
command -v jq >/dev/null 2>&1 || missing+=("jq (https://jqlang.github.io/jq/download/)")
region=${region:-${AWS_REGION:-${AWS_DEFAULT_REGION:-}}}
if [ -z "$region" ] && command -v aws >/dev/null 2>&1; then
  region=$(aws configure get region 2>/dev/null || true)
fi
[ -n "$region" ] || missing+=("an AWS region (--region <region>, AWS_REGION, or aws configure set region <region>)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "replay-failed-events: cannot run, missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 2
fi

service=sagemaker-pipeline-functions
queue_url=$(aws sqs get-queue-url --region "$region" --queue-name "${service}-${stage}-post-processing-failed" --query QueueUrl --output text)
function_name="${service}-${stage}-onPipelineExecutionStatus"

while :; do
  messages=$(aws sqs receive-message --region "$region" --queue-url "$queue_url" --max-number-of-messages 10 --visibility-timeout 120 --output json)
  # An empty queue may answer with no output at all.
  [ -n "$messages" ] || break
  count=$(jq '.Messages // [] | length' <<<"$messages")
  [ "$count" -eq 0 ] && break
  for i in $(seq 0 $((count - 1))); do
    body=$(jq -r ".Messages[$i].Body" <<<"$messages")
    handle=$(jq -r ".Messages[$i].ReceiptHandle" <<<"$messages")
    # A Lambda on-failure record wraps the event in requestPayload; an EventBridge dead letter is the event.
    event=$(jq -c 'if has("requestPayload") then .requestPayload else . end' <<<"$body")
    echo "replaying $(jq -r '[.id, .detail.pipelineExecutionArn, (.detail.currentPipelineExecutionStatus // .detail.currentStepStatus)] | join(" ")' <<<"$event")"
    [ "$dry_run" = "--dry-run" ] && continue
    aws lambda invoke --region "$region" --function-name "$function_name" --invocation-type Event \
      --cli-binary-format raw-in-base64-out --payload "$event" /dev/null >/dev/null
    aws sqs delete-message --region "$region" --queue-url "$queue_url" --receipt-handle "$handle"
  done
  [ "$dry_run" = "--dry-run" ] && break
done

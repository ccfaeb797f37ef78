#!/usr/bin/env bash
# Replays the events kept in the post-processing on-failure queue: each message is sent again to
# onPipelineExecutionStatus (asynchronously), then deleted from the queue. Safe to repeat: the
# partition registrars are idempotent. Needs the aws CLI and jq, and credentials for the account.
#   scripts/replay-failed-events.sh [stage] [--dry-run]
set -euo pipefail
stage="${1:-dev}"
dry_run="${2:-}"
service=sagemaker-pipeline-functions
queue_url=$(aws sqs get-queue-url --queue-name "${service}-${stage}-post-processing-failed" --query QueueUrl --output text)
function_name="${service}-${stage}-onPipelineExecutionStatus"

while :; do
  messages=$(aws sqs receive-message --queue-url "$queue_url" --max-number-of-messages 10 --visibility-timeout 120 --output json)
  count=$(jq '.Messages // [] | length' <<<"$messages")
  [ "$count" -eq 0 ] && break
  for i in $(seq 0 $((count - 1))); do
    body=$(jq -r ".Messages[$i].Body" <<<"$messages")
    handle=$(jq -r ".Messages[$i].ReceiptHandle" <<<"$messages")
    # A Lambda on-failure record wraps the event in requestPayload; an EventBridge dead letter is the event.
    event=$(jq -c 'if has("requestPayload") then .requestPayload else . end' <<<"$body")
    echo "replaying $(jq -r '[.id, .detail.pipelineExecutionArn, (.detail.currentPipelineExecutionStatus // .detail.currentStepStatus)] | join(" ")' <<<"$event")"
    [ "$dry_run" = "--dry-run" ] && continue
    aws lambda invoke --function-name "$function_name" --invocation-type Event \
      --cli-binary-format raw-in-base64-out --payload "$event" /dev/null >/dev/null
    aws sqs delete-message --queue-url "$queue_url" --receipt-handle "$handle"
  done
  [ "$dry_run" = "--dry-run" ] && break
done

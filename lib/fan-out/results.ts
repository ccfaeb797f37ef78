/**
 * The fan-out's results object (pure): where it goes, what each line holds, and which buckets it may
 * go to. Written once per parent step run (its callback token), as JSON Lines.
 */
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../core/errors';
import { parseS3Uri } from '../partitions/s3-uri';
import { attemptsOf, type ChildRecord } from './fan-in-state';

/** The deploy option that lists the buckets results may be written to (FAN_OUT_RESULTS_BUCKETS). */
export const RESULTS_BUCKETS_OPTION = 'deploy.fanOutResultsBuckets';

/** Refuses a `resultsS3Uri` outside the buckets the functions may write to, naming the deploy option. */
export function checkResultsBucket(uri: string, allowed: readonly string[]): void {
  const { bucket } = parseS3Uri(uri, 'resultsS3Uri');
  if (!allowed.includes(bucket)) {
    const listed = allowed.length === 0 ? 'none listed' : allowed.slice(0, 5).join(', ');
    throw new InvalidInputError(`resultsS3Uri: bucket ${bucket} is not in ${RESULTS_BUCKETS_OPTION} (${listed})`, ['resultsS3Uri']);
  }
}

/**
 * The object's URI: under `resultsS3Uri` (as a directory), named by the parent execution's id and a
 * hash of the callback token, so a re-sent callback names the same object and a retried parent a new one.
 */
export function resultsObjectUri(resultsS3Uri: string, parentExecutionArn: string, callbackToken: string): string {
  const { bucket, prefix } = parseS3Uri(resultsS3Uri, 'resultsS3Uri');
  const executionId = (parentExecutionArn.split('/').pop() ?? 'execution').replace(/[^A-Za-z0-9-]/g, '-');
  const run = createHash('sha256').update(`${parentExecutionArn}\n${callbackToken}`).digest('hex').slice(0, 16);
  return `s3://${bucket}/${prefix}fan-out-${executionId}-${run}.jsonl`;
}

/** One line per child, in id order: the item as given, where and how it ran, how it ended. */
export function resultLines(children: readonly ChildRecord[]): string {
  return [...children]
    .sort((a, b) => a.id - b.id)
    .map((c) => {
      const rest = JSON.stringify({
        pipeline: c.pipelineName,
        displayName: c.displayName,
        executionArn: c.executionArn ?? null,
        status: c.status,
        attempts: c.status === 'PENDING' || c.status === 'CANCELLED' ? attemptsOf(c) - 1 : attemptsOf(c),
        failureReason: c.failureReason ?? null,
      });
      // The item's own JSON text, spliced in: its numbers stay as the input wrote them.
      return `{"item":${c.itemJson ?? 'null'},${rest.slice(1)}`;
    })
    .map((line) => `${line}\n`)
    .join('');
}

/**
 * Like Promise.all, but waits for every task before throwing the first failure: a batch that fails
 * (after the SDK's retries) never leaves other batches running after the invocation has ended.
 */
export async function settleAll<T>(tasks: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

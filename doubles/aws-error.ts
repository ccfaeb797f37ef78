/** Errors shaped like the SDK's service exceptions (name, $fault, $metadata.httpStatusCode). */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

/**
 * Waits `ms` milliseconds on the high-resolution clock: a fake's fixed latency. A bare setTimeout counts
 * whole milliseconds and fires about 0.4 ms late on average, 2% of a 20 ms latency that a benchmark
 * would charge to the code under test. The timer covers all but the last 2 ms; the rest is waited in
 * setImmediate turns, between which every other callback still runs.
 */
export async function fixedLatency(ms: number): Promise<void> {
  if (ms <= 0) return;
  const end = performance.now() + ms;
  if (ms > 2) await new Promise((resolve) => setTimeout(resolve, ms - 2));
  while (performance.now() < end) await new Promise((resolve) => setImmediate(resolve));
}

/** Per-operation call counters, optional fixed latency and injected failures shared by the fakes. */
export class CallLog {
  readonly calls: Record<string, number> = {};
  private readonly failures = new Map<string, Array<() => Error>>();

  constructor(public latencyMs = 0) {}

  /** The next `times` calls of `operation` throw what `make` builds (default: ThrottlingException). */
  failNext(operation: string, times = 1, make: () => Error = () => awsError('ThrottlingException', 'Rate exceeded')): void {
    const queue = this.failures.get(operation) ?? [];
    for (let i = 0; i < times; i++) queue.push(make);
    this.failures.set(operation, queue);
  }

  async enter(operation: string): Promise<void> {
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
    if (this.latencyMs > 0) await fixedLatency(this.latencyMs);
    const make = this.failures.get(operation)?.shift();
    if (make) throw make();
  }

  count(operation: string): number {
    return this.calls[operation] ?? 0;
  }

  total(): number {
    return Object.values(this.calls).reduce((a, b) => a + b, 0);
  }

  reset(): void {
    for (const k of Object.keys(this.calls)) delete this.calls[k];
  }
}

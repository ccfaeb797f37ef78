/** Errors shaped like the SDK's service exceptions (name, $fault, $metadata.httpStatusCode). */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
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
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
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

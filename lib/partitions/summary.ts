/** The `summary` output: counts plus a few examples of each class, as JSON of at most 1024 characters. */

export const MAX_SUMMARY_LENGTH = 1024;

export interface SummaryInput {
  table: string;
  scanned: string;
  dryRun: boolean;
  listing: { strategy: string; requests: number };
  counts: Record<string, number>;
  /** Flags shown next to the counts (`incomplete: true`). */
  flags?: Record<string, boolean>;
  /** Examples per class (partition names, or `path: reason` for skipped ones), most useful first. */
  examples: Record<string, readonly string[]>;
}

/** `text` cut to `max` characters, marking the cut. */
export const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * Builds the summary JSON, dropping examples and shortening names until it fits in 1024 characters;
 * `examplesTruncated: true` says the examples shown are not all of them (the counts are).
 */
export function buildSummary(input: SummaryInput, max = MAX_SUMMARY_LENGTH): string {
  const attempts: Array<{ perClass: number; clipAt: number; context: boolean }> = [
    { perClass: 3, clipAt: 120, context: true },
    { perClass: 3, clipAt: 60, context: true },
    { perClass: 2, clipAt: 60, context: true },
    { perClass: 1, clipAt: 60, context: true },
    { perClass: 1, clipAt: 40, context: false },
    { perClass: 0, clipAt: 0, context: false },
  ];
  for (const { perClass, clipAt, context } of attempts) {
    const lists = Object.entries(input.examples).filter(([, list]) => list.length > 0);
    const examples = Object.fromEntries(
      lists.filter(() => perClass > 0).map(([name, list]) => [name, list.slice(0, perClass).map((e) => clip(e, clipAt))]),
    );
    const truncated = lists.some(([, list]) => list.length > perClass || list.some((e) => e.length > clipAt));
    const summary = {
      ...(context ? { table: clip(input.table, 200), scanned: clip(input.scanned, 200) } : {}),
      dryRun: input.dryRun,
      ...input.flags,
      ...input.counts,
      listing: input.listing,
      ...(Object.keys(examples).length > 0 ? { examples } : {}),
      ...(truncated ? { examplesTruncated: true } : {}),
    };
    const json = JSON.stringify(summary);
    if (json.length <= max) return json;
  }
  return JSON.stringify(input.counts).slice(0, max);
}

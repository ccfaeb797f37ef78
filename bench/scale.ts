/**
 * The size a benchmark runs at. `BENCH_SCALE` (a fraction in (0, 1], default 1) shrinks every benchmark
 * through the same code: CI runs them at 0.1, so that each documented command still runs; the figures
 * docs/design.md quotes are full-size runs (`npm run bench:*`).
 *
 * At a reduced size only what the machine's load cannot move is judged (duplicates, losses, call
 * counts against their minimum); wall-time ratios and per-child figures under contention are printed.
 */

function parseScale(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const value = Number(raw);
  if (!(value > 0 && value <= 1)) throw new Error(`BENCH_SCALE: expected a number in (0, 1], got ${JSON.stringify(raw)}`);
  return value;
}

export const BENCH_SCALE = parseScale(process.env.BENCH_SCALE);

/** Whether targets the machine's load can move are judged (full size only). */
export const JUDGE_LOAD_BOUND = BENCH_SCALE === 1;

/** `full` at the benchmark's scale, never under `min`. */
export const scaled = (full: number, min = 1): number => Math.max(min, Math.round(full * BENCH_SCALE));

/** One line saying at what size the benchmark runs. */
export const scaleNote = (): string =>
  JUDGE_LOAD_BOUND ? 'full size' : `BENCH_SCALE=${BENCH_SCALE}: reduced size; load-bound targets are printed, not judged`;

/**
 * `[text, met]` of a target the machine's load can move: at a reduced size it counts as met and its
 * text says it was only printed (and whether this run missed it).
 */
export const loadBound = (text: string, met: boolean): readonly [string, boolean] =>
  JUDGE_LOAD_BOUND ? [text, met] : [`${text} (printed, not judged at BENCH_SCALE=${BENCH_SCALE}${met ? '' : '; missed in this run'})`, true];

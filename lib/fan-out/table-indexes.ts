/**
 * The fan-out table's index names, in a module that imports nothing: the template (infra/fan-out.ts)
 * declares the indexes and grants Query on them, the store (fan-in-store.ts) queries them.
 */

/** Headers by state (state, createdAt): the sweep lists running fan-outs there. */
export const STATE_INDEX = 'by-state';
/** The PENDING children only (pendingOf, sk): a sparse index, the attribute is removed when a child leaves PENDING. */
export const PENDING_INDEX = 'pending';

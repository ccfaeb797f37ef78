/** Child execution display names: `<prefix>-item-<n>`, valid for `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}`. */

export const MAX_DISPLAY_NAME_LENGTH = 82;
export const DISPLAY_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}$/;

/** Replaces what the pattern refuses with hyphens and trims hyphens at both ends. */
export function sanitizeDisplayNamePart(text: string): string {
  return text.replace(/[^a-zA-Z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
}

/**
 * `<prefix>-item-<n>` (n from 1). The prefix is sanitised and truncated so the whole name fits in 82
 * characters; the `-item-<n>` suffix is never cut, so names stay distinct per item.
 */
export function childDisplayName(prefix: string, n: number): string {
  const suffix = `item-${n}`;
  const room = MAX_DISPLAY_NAME_LENGTH - suffix.length - 1;
  const head = sanitizeDisplayNamePart(sanitizeDisplayNamePart(prefix).slice(0, room));
  return head ? `${head}-${suffix}` : suffix;
}

/**
 * A JSON parser for values that must arrive exactly as written (fan-out items, manifests, queue
 * messages). Unlike JSON.parse it keeps every number's text, refuses a key given twice, a `__proto__`
 * key and nesting deeper than a limit, names the line and column of a syntax error, and never recurses:
 * any depth ends in a JsonTextError, never a RangeError.
 */
import { InvalidInputError } from './errors';

/** A JSON number kept as written, where a JavaScript number would not say the same (`1.10`, `-0`, `1e400`, 20 digits). */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonPath = (string | number)[];

/** Why a JSON text was refused: `syntax` (at line and column), or a content rule (`duplicate`, `forbidden`, `depth`) at `path`. */
export class JsonTextError extends InvalidInputError {
  override name = 'JsonTextError';
  constructor(
    readonly kind: 'syntax' | 'duplicate' | 'forbidden' | 'depth',
    readonly reason: string,
    /** 1-based, of the offending character. */
    readonly line: number,
    readonly column: number,
    /** Keys and indices from the root to the offending container or key (content rules). */
    readonly path: JsonPath,
  ) {
    super(line > 0 ? `line ${line}, column ${column}: ${reason}` : reason);
  }
}

export type JsonTextOptions =
  | {
      /** Containers may nest this deep at most (as findInputHazards counts: the root container is at depth 0). */
      maxDepth: number;
      /** The depth of the root (a JSON Lines item sits at depth 1, as it would in a list of items). */
      baseDepth?: number;
      lenient?: false;
    }
  | {
      /**
       * Refuse nothing but syntax: any depth, `__proto__` kept as an own key (as JSON.parse does), a key
       * given twice keeps its last value and is recorded (duplicateKeysOf). For an envelope whose contents
       * a schema checks later (findInputHazards), so that a refusal names the field.
       */
      lenient: true;
    };

/** Keys given more than once in an object a lenient parse read. */
const DUPLICATES = new WeakMap<object, string[]>();

/** The keys `value` (an object from a lenient parseJsonText) was given more than once, in order. */
export function duplicateKeysOf(value: object): readonly string[] {
  return DUPLICATES.get(value) ?? [];
}

/**
 * The numbers whose JavaScript form says exactly what was written, for anyone who wrote it plainly:
 * safe integers other than -0, and fractions of at most 15 significant digits without an exponent.
 * A number outside this set may have been changed by a JSON.parse on its way (`12345678901234567890`).
 */
export function isPlainNumber(n: number): boolean {
  if (!Number.isFinite(n) || Object.is(n, -0)) return false;
  if (Number.isInteger(n)) return Number.isSafeInteger(n);
  const text = String(n);
  return !text.includes('e') && text.replace(/^-?0*\.?0*|\./g, '').length <= 15;
}

const numberValue = (text: string): number | JsonNumber => {
  const n = Number(text);
  return String(n) === text && isPlainNumber(n) ? n : new JsonNumber(text);
};

/** Where each parsed container's text lies, so a nested value can be passed on as written. */
const SOURCES = new WeakMap<object, { text: string; start: number; end: number }>();

interface Frame {
  container: unknown[] | Record<string, unknown>;
  start: number;
  /** The key awaiting its value (objects), else undefined. */
  key?: string;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** 1-based line and column of `offset`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

const describeChar = (c: string | undefined) => (c === undefined ? 'the end of the text' : JSON.stringify(c));

/**
 * Parses one JSON text. Numbers come back as JavaScript numbers when that loses nothing (isPlainNumber
 * and the same text), else as JsonNumber; objects keep their keys in the order written. Throws a
 * JsonTextError on any syntax error (trailing comma, `NaN`, empty text...), duplicate or `__proto__` key,
 * or nesting deeper than `maxDepth`.
 */
export function parseJsonText(text: string, options: JsonTextOptions): unknown {
  const lenient = options.lenient === true;
  const base = options.lenient ? 0 : (options.baseDepth ?? 0);
  const maxDepth = options.lenient ? Number.POSITIVE_INFINITY : options.maxDepth;
  let i = 0;
  const fail = (reason: string, at = i): never => {
    const { line, column } = lineAndColumn(text, at);
    throw new JsonTextError('syntax', reason, line, column, []);
  };
  const stack: Frame[] = [];
  const pathOf = (): JsonPath =>
    stack.slice(0, -1).map((frame) => (Array.isArray(frame.container) ? frame.container.length : (frame.key ?? '')));
  const refuse = (kind: JsonTextError['kind'], reason: string, at: number, path: JsonPath): never => {
    const { line, column } = lineAndColumn(text, at);
    throw new JsonTextError(kind, reason, line, column, path);
  };
  const skip = () => {
    while (i < text.length && WHITESPACE.has(text.charCodeAt(i))) i += 1;
  };
  const readString = (): string => {
    // text[i] is the opening quote.
    const start = i + 1;
    let j = start;
    let out = '';
    let chunk = start;
    for (;;) {
      if (j >= text.length) return fail('a string is not closed', start - 1);
      const c = text.charCodeAt(j);
      if (c === 0x22) break;
      if (c < 0x20) return fail(`a control character (U+${c.toString(16).padStart(4, '0')}) inside a string: escape it`, j);
      if (c === 0x5c) {
        out += text.slice(chunk, j);
        const e = text[j + 1];
        if (e === 'u') {
          const hex = text.slice(j + 2, j + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) return fail('\\u must be followed by 4 hexadecimal digits', j);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          j += 6;
        } else {
          const escaped = e === undefined ? undefined : ESCAPES[e];
          if (escaped === undefined) return fail(`an unknown escape \\${e ?? ''}`, j);
          out += escaped;
          j += 2;
        }
        chunk = j;
        continue;
      }
      j += 1;
    }
    i = j + 1;
    return out + text.slice(chunk, j);
  };
  const readScalar = (): unknown => {
    const c = text[i];
    if (c === '"') return readString();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) {
        const word = /^-[A-Za-z]+/.exec(text.slice(i, i + 12))?.[0];
        return fail(word ? `${word} is not a JSON number (write it as a string)` : 'a malformed number');
      }
      const after = text[i + m[0].length];
      if (after !== undefined && /[0-9.eE+-]/.test(after)) return fail(`a malformed number (${JSON.stringify(text.slice(i, i + m[0].length + 1))})`);
      i += m[0].length;
      return numberValue(m[0]);
    }
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    const bare = /^[A-Za-z_$][\w$]*/.exec(text.slice(i, i + 20))?.[0];
    if (bare === 'NaN' || bare === 'Infinity') return fail(`${bare} is not a JSON number (write it as a string)`);
    if (bare !== undefined) return fail(`unexpected ${JSON.stringify(bare)} (strings and keys are written in double quotes)`);
    return fail(c === undefined ? (text.trim() === '' ? 'no JSON value (the text is empty)' : 'the text ends where a value was expected') : `unexpected ${describeChar(c)} where a value was expected`);
  };

  let root: unknown;
  let done = false;
  /** Puts a finished value into the open container (or makes it the root). */
  const place = (value: unknown) => {
    const top = stack[stack.length - 1];
    if (!top) {
      root = value;
      done = true;
      return;
    }
    if (Array.isArray(top.container)) top.container.push(value);
    else if (top.key !== undefined) {
      // As data, as JSON.parse keeps it (only a lenient parse gets here with `__proto__`).
      if (top.key === '__proto__') Object.defineProperty(top.container, top.key, { value, enumerable: true, writable: true, configurable: true });
      else top.container[top.key] = value;
      top.key = undefined;
    }
  };
  const open = (container: unknown[] | Record<string, unknown>) => {
    if (base + stack.length >= maxDepth) {
      refuse('depth', `nested deeper than ${maxDepth} levels`, i, [...pathOf(), ...(stack.length > 0 ? [currentSlot()] : [])]);
    }
    stack.push({ container, start: i });
    i += 1;
  };
  /** The key or index the next value of the top container takes. */
  const currentSlot = (): string | number => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    return Array.isArray(top.container) ? top.container.length : (top.key ?? '');
  };
  const close = () => {
    const frame = stack.pop();
    if (!frame) return;
    i += 1;
    SOURCES.set(frame.container, { text, start: frame.start, end: i });
    place(frame.container);
  };
  /** Reads a key and its colon into the top (object) frame. */
  const readKey = (frame: Frame) => {
    skip();
    if (text[i] !== '"') {
      if (text[i] === '}') return fail('a comma before } (trailing commas are not JSON)');
      return fail(`expected a key in double quotes, found ${describeChar(text[i])}`);
    }
    const at = i;
    const key = readString();
    const container = frame.container as Record<string, unknown>;
    if (lenient) {
      if (Object.hasOwn(container, key)) DUPLICATES.set(container, [...duplicateKeysOf(container), key]);
    } else if (key === '__proto__') refuse('forbidden', 'refused key (JavaScript objects cannot hold "__proto__" as data)', at, [...pathOf(), key]);
    else if (Object.hasOwn(container, key)) refuse('duplicate', `key ${JSON.stringify(key.length > 60 ? `${key.slice(0, 59)}…` : key)} given twice`, at, pathOf());
    skip();
    if (text[i] !== ':') return fail(`expected ":" after a key, found ${describeChar(text[i])}`);
    i += 1;
    frame.key = key;
    return undefined;
  };

  // Each turn reads one value (opening a container counts), then the separators after it.
  for (;;) {
    skip();
    const c = text[i];
    if (c === '[') {
      open([]);
      skip();
      if (text[i] === ']') {
        close();
      } else continue;
    } else if (c === '{') {
      const container: Record<string, unknown> = {};
      open(container);
      skip();
      if (text[i] === '}') close();
      else {
        readKey(stack[stack.length - 1] as Frame);
        continue;
      }
    } else {
      place(readScalar());
    }
    // After a value: a comma (next value), or closing brackets.
    for (;;) {
      if (done) break;
      skip();
      const top = stack[stack.length - 1] as Frame;
      const isArray = Array.isArray(top.container);
      const d = text[i];
      if (d === ',') {
        i += 1;
        if (isArray) {
          skip();
          if (text[i] === ']') fail('a comma before ] (trailing commas are not JSON)');
        } else readKey(top);
        break;
      }
      if (d === (isArray ? ']' : '}')) {
        close();
        continue;
      }
      fail(d === undefined ? `the text ends inside ${isArray ? 'a list' : 'an object'} (expected ${isArray ? '"," or "]"' : '"," or "}"'})` : `expected ${isArray ? '"," or "]"' : '"," or "}"'}, found ${describeChar(d)}`);
    }
    if (done) break;
  }
  skip();
  if (i < text.length) fail(`unexpected ${describeChar(text[i])} after the JSON value`);
  return root;
}

/**
 * The compact JSON text of a value: a container this parser read comes back as written (key order,
 * numbers and escapes), less the whitespace between tokens; other values are serialised, refusing
 * any number isPlainNumber doubts (it may have been changed on its way). Throws a JsonTextError naming the path.
 */
export function stringifyJson(value: unknown): string {
  const out: string[] = [];
  const pending: { value: unknown; path: JsonPath; raw?: string }[] = [{ value, path: [] }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: v, path, raw } = next;
    if (raw !== undefined) {
      out.push(raw);
      continue;
    }
    if (v === null) out.push('null');
    else if (typeof v === 'string') out.push(JSON.stringify(v));
    else if (typeof v === 'boolean') out.push(String(v));
    else if (typeof v === 'number') {
      if (!isPlainNumber(v)) throw new JsonTextError('syntax', notPlain(v), 0, 0, path);
      out.push(String(v));
    } else if (v instanceof JsonNumber) out.push(v.text);
    else if (typeof v === 'object') {
      const source = SOURCES.get(v);
      if (source) {
        out.push(compact(source.text, source.start, source.end));
        continue;
      }
      if (path.length >= 64) throw new JsonTextError('depth', 'nested deeper than 64 levels', 0, 0, path);
      const isArray = Array.isArray(v);
      const entries: [string | number, unknown][] = isArray ? v.map((item: unknown, k) => [k, item]) : Object.entries(v);
      const parts: { value: unknown; path: JsonPath; raw?: string }[] = [{ value: undefined, path, raw: isArray ? '[' : '{' }];
      entries.forEach(([key, item], k) => {
        const prefix = (k > 0 ? ',' : '') + (isArray ? '' : `${JSON.stringify(key)}:`);
        if (prefix) parts.push({ value: undefined, path, raw: prefix });
        parts.push({ value: item === undefined ? null : item, path: [...path, key] });
      });
      parts.push({ value: undefined, path, raw: isArray ? ']' : '}' });
      for (const part of parts.reverse()) pending.push(part);
    } else {
      throw new JsonTextError('syntax', `a ${typeof v} is not a JSON value`, 0, 0, path);
    }
  }
  return out.join('');
}

/** Why a JavaScript number is refused as a parameter value: it may not be what was written. */
export function notPlain(n: number): string {
  if (!Number.isFinite(n)) return `${n} is not a finite number`;
  return `${Object.is(n, -0) ? '-0' : String(n)} may not be the number written (a JSON number is read as a double: at most 15 significant digits, integers up to 2^53): write it as a string`;
}

/** `text[start, end)` without the whitespace between tokens. */
function compact(text: string, start: number, end: number): string {
  let out = '';
  let chunk = start;
  let inString = false;
  for (let j = start; j < end; j += 1) {
    const c = text.charCodeAt(j);
    if (inString) {
      if (c === 0x5c) j += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (WHITESPACE.has(c)) {
      out += text.slice(chunk, j);
      chunk = j + 1;
    }
  }
  return out + text.slice(chunk, end);
}

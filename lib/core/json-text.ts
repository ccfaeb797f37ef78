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

  /**
   * For a JSON.stringify met on the way (a log line, an error preview): the number as written where
   * the runtime has JSON.rawJSON (Node 22+, the Lambda runtime), else its text as a string. Code that
   * writes items uses stringifyJson, which is exact everywhere.
   */
  toJSON(): unknown {
    const raw = (JSON as { rawJSON?: (text: string) => unknown }).rawJSON;
    return raw ? raw(this.text) : this.text;
  }
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

interface Frame {
  container: unknown[] | Record<string, unknown>;
  /** The key awaiting its value (objects), else undefined. */
  key?: string;
}

// eslint-disable-next-line no-control-regex -- a JSON string's plain characters: no quote, backslash or control character
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;
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
  return new JsonReader(text, options).read();
}

/** One parse: a cursor and a stack of open containers, so that depth costs memory, never call stack. */
class JsonReader {
  private i = 0;
  private readonly stack: Frame[] = [];
  private readonly lenient: boolean;
  private readonly base: number;
  private readonly maxDepth: number;
  private root: unknown;
  private done = false;

  constructor(
    private readonly text: string,
    options: JsonTextOptions,
  ) {
    this.lenient = options.lenient === true;
    this.base = options.lenient ? 0 : (options.baseDepth ?? 0);
    this.maxDepth = options.lenient ? Number.POSITIVE_INFINITY : options.maxDepth;
  }

  read(): unknown {
    const { text } = this;
    // Each turn reads one value (opening a container counts), then the separators after it.
    for (;;) {
      this.skip();
      const c = text.charCodeAt(this.i);
      if (c === 0x5b) {
        this.open([]);
        this.skip();
        if (text.charCodeAt(this.i) !== 0x5d) continue;
        this.close();
      } else if (c === 0x7b) {
        const container: Record<string, unknown> = {};
        this.open(container);
        this.skip();
        if (text.charCodeAt(this.i) !== 0x7d) {
          this.readKey(container, this.stack[this.stack.length - 1] as Frame);
          continue;
        }
        this.close();
      } else {
        this.place(this.readScalar());
      }
      // After a value: a comma (next value), or closing brackets.
      while (!this.done) {
        this.skip();
        const top = this.stack[this.stack.length - 1] as Frame;
        const isArray = Array.isArray(top.container);
        const d = text[this.i];
        if (d === ',') {
          this.i += 1;
          if (!isArray) this.readKey(top.container as Record<string, unknown>, top);
          else {
            this.skip();
            if (text[this.i] === ']') this.fail('a comma before ] (trailing commas are not JSON)');
          }
          break;
        }
        if (d === (isArray ? ']' : '}')) {
          this.close();
          continue;
        }
        const expected = isArray ? '"," or "]"' : '"," or "}"';
        this.fail(d === undefined ? `the text ends inside ${isArray ? 'a list' : 'an object'} (expected ${expected})` : `expected ${expected}, found ${describeChar(d)}`);
      }
      if (this.done) break;
    }
    this.skip();
    if (this.i < text.length) this.fail(`unexpected ${describeChar(text[this.i])} after the JSON value`);
    return this.root;
  }

  private fail(reason: string, at = this.i): never {
    const { line, column } = lineAndColumn(this.text, at);
    throw new JsonTextError('syntax', reason, line, column, []);
  }

  private refuse(kind: JsonTextError['kind'], reason: string, at: number, path: JsonPath): never {
    const { line, column } = lineAndColumn(this.text, at);
    throw new JsonTextError(kind, reason, line, column, path);
  }

  /** The path of the innermost open container. */
  private pathOf(): JsonPath {
    return this.stack.slice(0, -1).map((frame) => (Array.isArray(frame.container) ? frame.container.length : (frame.key ?? '')));
  }

  private skip(): void {
    const { text } = this;
    let c = text.charCodeAt(this.i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++this.i);
  }

  private readString(): string {
    // text[i] is the opening quote. Runs of plain characters are found natively (a sticky regex).
    const { text } = this;
    const start = this.i + 1;
    let j = start;
    let out = '';
    for (;;) {
      PLAIN_RUN.lastIndex = j;
      PLAIN_RUN.test(text);
      const k = PLAIN_RUN.lastIndex;
      const c = text.charCodeAt(k);
      if (c === 0x22) {
        this.i = k + 1;
        return out + text.slice(j, k);
      }
      if (k >= text.length) return this.fail('a string is not closed', start - 1);
      if (c !== 0x5c) return this.fail(`a control character (U+${c.toString(16).padStart(4, '0')}) inside a string: escape it`, k);
      out += text.slice(j, k);
      const e = text[k + 1];
      if (e === 'u') {
        const hex = text.slice(k + 2, k + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return this.fail('\\u must be followed by 4 hexadecimal digits', k);
        out += String.fromCharCode(Number.parseInt(hex, 16));
        j = k + 6;
      } else {
        const escaped = e === undefined ? undefined : ESCAPES[e];
        if (escaped === undefined) return this.fail(`an unknown escape \\${e ?? ''}`, k);
        out += escaped;
        j = k + 2;
      }
    }
  }

  private readScalar(): unknown {
    const { text, i } = this;
    const c = text[i];
    if (c === '"') return this.readString();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) {
        const word = /^-[A-Za-z]+/.exec(text.slice(i, i + 12))?.[0];
        return this.fail(word ? `${word} is not a JSON number (write it as a string)` : 'a malformed number');
      }
      const after = text[i + m[0].length];
      if (after !== undefined && /[0-9.eE+-]/.test(after)) return this.fail(`a malformed number (${JSON.stringify(text.slice(i, i + m[0].length + 1))})`);
      this.i += m[0].length;
      return numberValue(m[0]);
    }
    if (c === 't' && text.startsWith('true', i)) {
      this.i += 4;
      return true;
    }
    if (c === 'f' && text.startsWith('false', i)) {
      this.i += 5;
      return false;
    }
    if (c === 'n' && text.startsWith('null', i)) {
      this.i += 4;
      return null;
    }
    const bare = /^[A-Za-z_$][\w$]*/.exec(text.slice(i, i + 20))?.[0];
    if (bare === 'NaN' || bare === 'Infinity') return this.fail(`${bare} is not a JSON number (write it as a string)`);
    if (bare !== undefined) return this.fail(`unexpected ${JSON.stringify(bare)} (strings and keys are written in double quotes)`);
    if (c !== undefined) return this.fail(`unexpected ${describeChar(c)} where a value was expected`);
    return this.fail(text.trim() === '' ? 'no JSON value (the text is empty)' : 'the text ends where a value was expected');
  }

  /** Puts a finished value into the open container (or makes it the root). */
  private place(value: unknown): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.root = value;
      this.done = true;
      return;
    }
    if (Array.isArray(top.container)) top.container.push(value);
    else if (top.key !== undefined) {
      // As data, as JSON.parse keeps it (only a lenient parse gets here with `__proto__`).
      if (top.key === '__proto__') Object.defineProperty(top.container, top.key, { value, enumerable: true, writable: true, configurable: true });
      else top.container[top.key] = value;
      top.key = undefined;
    }
  }

  private open(container: unknown[] | Record<string, unknown>): void {
    const { stack } = this;
    if (this.base + stack.length >= this.maxDepth) {
      const top = stack[stack.length - 1];
      const slot = top === undefined ? [] : [Array.isArray(top.container) ? top.container.length : (top.key ?? '')];
      this.refuse('depth', `nested deeper than ${this.maxDepth} levels`, this.i, [...this.pathOf(), ...slot]);
    }
    stack.push({ container });
    this.i += 1;
  }

  private close(): void {
    const frame = this.stack.pop();
    this.i += 1;
    if (frame) this.place(frame.container);
  }

  /** Reads a key and its colon into the top (object) frame. */
  private readKey(container: Record<string, unknown>, frame: Frame): void {
    this.skip();
    const { text } = this;
    if (text[this.i] !== '"') {
      if (text[this.i] === '}') this.fail('a comma before } (trailing commas are not JSON)');
      this.fail(`expected a key in double quotes, found ${describeChar(text[this.i])}`);
    }
    const at = this.i;
    const key = this.readString();
    if (this.lenient) {
      if (Object.hasOwn(container, key)) DUPLICATES.set(container, [...duplicateKeysOf(container), key]);
    } else if (key === '__proto__') {
      this.refuse('forbidden', 'refused key (JavaScript objects cannot hold "__proto__" as data)', at, [...this.pathOf(), key]);
    } else if (Object.hasOwn(container, key)) {
      this.refuse('duplicate', `key ${JSON.stringify(key.length > 60 ? `${key.slice(0, 59)}…` : key)} given twice`, at, this.pathOf());
    }
    this.skip();
    if (text[this.i] !== ':') this.fail(`expected ":" after a key, found ${describeChar(text[this.i])}`);
    this.i += 1;
    frame.key = key;
  }
}

/**
 * The compact JSON text of a value, every value as it was read: a JsonNumber's text, strings escaped
 * as JSON.stringify does, keys in JavaScript's order (integer-like keys first; JSON objects are
 * unordered). A JavaScript number isPlainNumber doubts (it may have been changed on its way, by a
 * JSON.parse) is refused, with a JsonTextError naming its path.
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

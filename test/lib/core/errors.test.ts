import fc from 'fast-check';
import { describeError, escapeControlCharacters, safeMessage, truncate } from '../../../lib/core/errors';
import { logger, logJsonReplacer } from '../../../lib/core/powertools';

const hasLoneSurrogate = (s: string) => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

describe('truncate', () => {
  it('never cuts a surrogate pair in half', () => {
    const message = `${'a'.repeat(1022)}😀😀`;
    const cut = truncate(message, 1024);
    expect(cut).toBe(`${'a'.repeat(1022)}…`);
    expect(hasLoneSurrogate(cut)).toBe(false);
  });

  it('keeps any text within the limit and free of lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 600 }), fc.integer({ min: 2, max: 600 }), (text, max) => {
        const cut = truncate(text, max);
        return cut.length <= max && !hasLoneSurrogate(cut);
      }),
    );
  });
});

describe('escapeControlCharacters', () => {
  it('escapes NUL, newline, ESC, DEL, C1, line separators and bidirectional overrides', () => {
    expect(escapeControlCharacters('a\u0000b\nc\u001b[31md\u007f\u0085\u2028\u202e')).toBe(
      'a\\u0000b\\nc\\u001b[31md\\u007f\\u0085\\u2028\\u202e',
    );
  });

  it('escapes lone surrogates and keeps pairs and other text as they are', () => {
    expect(escapeControlCharacters('x\ud800y😀é中')).toBe('x\\ud800y😀é中');
  });
});

describe('safeMessage', () => {
  it('escapes, then cuts to the limit', () => {
    const message = safeMessage(`${'\n'.repeat(2000)}`, 1024);
    expect(message.length).toBe(1024);
    expect(message).not.toMatch(/\n/);
  });
});

describe('describeError', () => {
  it('describes a thrown list nested too deep to join', () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 20_000; i += 1) deep = [deep];
    expect(describeError(deep)).toBe('a thrown list');
  });
});

describe('the shared logger', () => {
  it('escapes control characters in every logged string, keeping the line breaks of stacks', () => {
    const error = new Error('bad \u001b[2J input\nline');
    const line = JSON.stringify({ table: 'orders\n\u0000', error: { message: error.message, stack: 'Error: x\n    at y' } }, logJsonReplacer);
    const parsed = JSON.parse(line) as { table: string; error: { message: string; stack: string } };
    expect(parsed.table).toBe('orders\\n\\u0000');
    expect(parsed.error.message).toBe('bad \\u001b[2J input\\nline');
    expect(parsed.error.stack).toBe('Error: x\n    at y');
  });

  it('is the replacer of the logger every function uses', () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      logger.createChild({ logLevel: 'INFO' }).info('registered partitions', { table: 'orders\n\u001b[2J' });
    } finally {
      write.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect((JSON.parse(lines[0] ?? '{}') as { table?: string }).table).toBe('orders\\n\\u001b[2J');
  });
});

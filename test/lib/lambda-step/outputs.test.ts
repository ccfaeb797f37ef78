import { OutputLimitError } from '../../../lib/core/errors';
import { toStepOutputs } from '../../../lib/lambda-step/outputs';

describe('toStepOutputs', () => {
  it('keeps strings, numbers and booleans as they are', () => {
    expect(toStepOutputs({ s: 'a', i: 3, f: 2.5, b: false })).toEqual({ s: 'a', i: 3, f: 2.5, b: false });
  });

  it('serialises lists, objects and null as JSON strings', () => {
    const outputs = toStepOutputs({ list: [1, 'a'], obj: { k: [true] }, nothing: null });
    expect(outputs).toEqual({ list: '[1,"a"]', obj: '{"k":[true]}', nothing: 'null' });
    expect(JSON.parse(outputs.obj as string)).toEqual({ k: [true] });
  });

  it('leaves undefined values out', () => {
    expect(toStepOutputs({ a: 'x', b: undefined })).toEqual({ a: 'x' });
  });

  it('accepts exactly 50 outputs and refuses 51', () => {
    const make = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`o${i}`, i]));
    expect(Object.keys(toStepOutputs(make(50)))).toHaveLength(50);
    expect(() => toStepOutputs(make(51))).toThrow(new OutputLimitError('too many outputs: 51 (a LambdaStep takes at most 50)'));
  });

  it('accepts a 256-character name and refuses a 257-character one, naming it', () => {
    expect(toStepOutputs({ ['n'.repeat(256)]: 1 })).toBeDefined();
    expect(() => toStepOutputs({ ['n'.repeat(257)]: 1 })).toThrow(/output name "n{40}…" is 257 characters/);
  });

  it('accepts a 1024-character value and refuses 1025, naming the output, never truncating', () => {
    expect(toStepOutputs({ big: 'x'.repeat(1024) }).big).toHaveLength(1024);
    expect(() => toStepOutputs({ big: 'x'.repeat(1025) })).toThrow(/output "big" is 1025 characters \(at most 1024\)/);
  });

  it('measures serialised values against the limit', () => {
    const records = Array.from({ length: 100 }, (_, i) => ({ id: i, name: `record-${i}` }));
    expect(() => toStepOutputs({ records })).toThrow(OutputLimitError);
  });

  it('refuses non-finite numbers and functions', () => {
    expect(() => toStepOutputs({ n: Number.NaN })).toThrow(/output "n" is NaN/);
    expect(() => toStepOutputs({ f: () => 1 })).toThrow(/output "f" is a function/);
  });
});

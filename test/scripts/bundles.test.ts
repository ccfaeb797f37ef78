import { paired, timeNode, type Timing } from '../../scripts/bundles';

describe('paired', () => {
  it('runs A and B in turn, swapping which goes first, after one uncounted run of each', () => {
    const order: string[] = [];
    const a = (): Timing => (order.push('a'), { wall: 30, cpu: 12 });
    const b = (): Timing => (order.push('b'), { wall: 10, cpu: 4 });
    paired(a, b, 3);
    expect(order).toEqual(['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b']);
  });

  it('gives the median of the ratios pair by pair, not the ratio of the medians', () => {
    // Two pairs at 2x, one disturbed (20x): the median ratio is 2, the ratio of the medians 6.
    const as = [{ wall: 0, cpu: 0 }, { wall: 20, cpu: 2 }, { wall: 60, cpu: 6 }, { wall: 200, cpu: 20 }];
    const bs = [{ wall: 0, cpu: 0 }, { wall: 10, cpu: 1 }, { wall: 30, cpu: 3 }, { wall: 10, cpu: 10 }];
    let i = 0;
    let j = 0;
    const result = paired(() => as[i++] ?? { wall: 1, cpu: 1 }, () => bs[j++] ?? { wall: 1, cpu: 1 }, 3);
    expect(result.wall).toEqual({ ratio: 2, a: 60, b: 10 });
    expect(result.cpu.ratio).toBe(2);
  });
});

describe('timeNode', () => {
  it('measures a process, its CPU time included, and throws when it fails', () => {
    const t = timeNode({ args: ['-e', 'let x = 0; for (let i = 0; i < 1e6; i++) x += i'] });
    expect(t.wall).toBeGreaterThan(0);
    expect(t.cpu).toBeGreaterThan(0);
    expect(() => timeNode({ args: ['-e', 'process.exit(3)'] })).toThrow(/failed/);
  });
});

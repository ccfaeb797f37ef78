/**
 * The metric catalog (lib/core/metric-names.ts) against the code: every metric the code emits is in the
 * catalog, and every catalog metric is emitted somewhere, so the dashboard built from the catalog
 * (infra/monitoring.ts) shows no graph of a metric nobody sends.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LAMBDA_STEP_FUNCTIONS } from '../../../infra/catalog';
import { Metric, METRIC_DIMENSIONS, METRICS_NAMESPACE, METRICS_SERVICE } from '../../../lib/core/metric-names';
import { metrics, SERVICE_NAME } from '../../../lib/core/powertools';

const ROOT = path.join(__dirname, '..', '..', '..');

function sources(dir: string): { file: string; text: string }[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(rel);
    return entry.name.endsWith('.ts') ? [{ file: rel, text: fs.readFileSync(path.join(ROOT, rel), 'utf8') }] : [];
  });
}
const code = [...sources('lib'), ...sources('handlers')].filter((s) => !s.file.endsWith('metric-names.ts'));

// addMetric(<name>, ...) whose name is a variable: where it comes from, and why it is a catalog name.
const VARIABLE_NAMES: Record<string, string> = {
  'handlers/create-partitions.ts': 'keys of partitionMetrics(), which are Metric.* constants',
  'handlers/on-pipeline-execution-status.ts': 'tableMetric(table, name: MetricName, ...)',
};

/** The first argument of each addMetric call of a file. */
function emittedNames(text: string): string[] {
  return [...text.matchAll(/addMetric\(\s*([^,]+),/g)].map((m) => (m[1] ?? '').trim());
}

describe('the metric catalog', () => {
  it('holds every metric name the code emits', () => {
    const unknown: string[] = [];
    for (const { file, text } of code) {
      for (const arg of emittedNames(text)) {
        const literals = [...arg.matchAll(/^'([^']+)'$/g)].map((m) => m[1] ?? '');
        const constants = [...arg.matchAll(/Metric\.(\w+)/g)].map((m) => m[1] ?? '');
        if (literals.length + constants.length === 0 && !(file in VARIABLE_NAMES)) unknown.push(`${file}: addMetric(${arg}, ...)`);
        for (const name of [...literals, ...constants]) if (!(name in METRIC_DIMENSIONS)) unknown.push(`${file}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('has no metric that no code emits', () => {
    const all = code.map((s) => s.text).join('\n');
    const emitted = Object.keys(METRIC_DIMENSIONS).filter(
      (name) => all.includes(`Metric.${name}`) || new RegExp(`addMetric\\(\\s*'${name}'`).test(all),
    );
    expect(emitted.sort()).toEqual(Object.keys(METRIC_DIMENSIONS).sort());
  });

  it('lists every LambdaStep function by the name its metrics carry', () => {
    const names = code.flatMap(({ text }) => [...text.matchAll(/defineLambdaStep\(\{\s*name: '(\w+)'/g)].map((m) => m[1]));
    expect(names.sort()).toEqual([...LAMBDA_STEP_FUNCTIONS].sort());
  });

  it('names each metric as itself, in the namespace and service the functions publish with', () => {
    for (const [key, name] of Object.entries(Metric)) expect(name).toBe(key);
    expect(SERVICE_NAME).toBe(METRICS_SERVICE);
    const emf = metrics.singleMetric();
    expect(emf.serializeMetrics()._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);
    for (const sets of Object.values(METRIC_DIMENSIONS)) for (const set of sets) expect(set[0]).toBe('service');
  });
});

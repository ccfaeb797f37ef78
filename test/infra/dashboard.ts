/** Reads a dashboard resource's body (a Fn::Sub string) and checks its metrics against the metric catalog. */
import { METRIC_DIMENSIONS, METRICS_NAMESPACE } from '../../lib/core/metric-names';

export interface WidgetMetric {
  widget: string;
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}
interface Widget {
  type: string;
  properties: { title?: string; metrics?: unknown[][]; alarms?: string[] };
}

/** The body with every `${...}` replaced by a sample value, parsed (throws on invalid JSON). */
export function parseBody(body: unknown): { widgets: Widget[]; variables: string[] } {
  const text = (body as { 'Fn::Sub'?: unknown })['Fn::Sub'];
  if (typeof text !== 'string') throw new Error('expected DashboardBody to be a Fn::Sub string');
  const variables = [...text.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1] ?? '');
  return { widgets: (JSON.parse(text.replace(/\$\{[^}]+\}/g, 'resolved')) as { widgets: Widget[] }).widgets, variables };
}

/** Every metric the widgets graph. */
export function widgetMetrics(widgets: readonly Widget[]): WidgetMetric[] {
  return widgets.flatMap((w) =>
    (w.properties.metrics ?? []).map((line) => {
      const [namespace, name, ...rest] = line;
      const pairs = rest.filter((x): x is string => typeof x === 'string');
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i] ?? ''] = pairs[i + 1] ?? '';
      return { widget: w.properties.title ?? w.type, namespace: String(namespace), name: String(name), dimensions };
    }),
  );
}

/** The widget metrics of our namespace whose name or dimension set the code does not publish. */
export function notPublished(metrics: readonly WidgetMetric[]): string[] {
  return metrics
    .filter((m) => m.namespace === METRICS_NAMESPACE)
    .filter((m) => {
      const sets = (METRIC_DIMENSIONS as Record<string, readonly (readonly string[])[]>)[m.name];
      const keys = Object.keys(m.dimensions).sort().join(',');
      return !sets?.some((set) => [...set].sort().join(',') === keys);
    })
    .map((m) => `${m.widget}: ${m.name} [${Object.keys(m.dimensions).join(', ')}]`);
}

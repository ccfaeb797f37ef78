/**
 * Captures the EMF documents the functions would publish (the tests run with metrics disabled): the
 * shared Metrics instance's flush and every single metric, as serialized for CloudWatch.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { METRIC_DIMENSIONS } from '../../lib/core/metric-names';
import { metrics } from '../../lib/core/powertools';

export interface PublishedMetric {
  namespace: string;
  name: string;
  dimensions: string[];
  value: unknown;
}

type Emf = ReturnType<Metrics['serializeMetrics']>;

function flatten(emf: Emf): PublishedMetric[] {
  return emf._aws.CloudWatchMetrics.flatMap((group) =>
    group.Metrics.flatMap((m) => group.Dimensions.map((dimensions) => ({ namespace: group.Namespace, name: m.Name, dimensions, value: emf[m.Name] }))),
  );
}

/** Starts capturing; returns the list that fills as metrics are published. Undo with jest.restoreAllMocks(). */
export function captureMetrics(): PublishedMetric[] {
  const published: PublishedMetric[] = [];
  const capture = (instance: Metrics) =>
    jest.spyOn(instance, 'publishStoredMetrics').mockImplementation(() => {
      if (instance.hasStoredMetrics()) published.push(...flatten(instance.serializeMetrics()));
      instance.clearMetrics();
      instance.clearDimensions();
      return instance;
    });
  capture(metrics);
  const single = metrics.singleMetric.bind(metrics);
  jest.spyOn(metrics, 'singleMetric').mockImplementation(() => {
    const instance = single();
    capture(instance);
    return instance;
  });
  return published;
}

/** The published metrics whose name or dimension set the catalog (lib/core/metric-names.ts) does not hold. */
export function notInCatalog(published: readonly PublishedMetric[]): string[] {
  return published
    .filter((m) => {
      const sets: readonly (readonly string[])[] | undefined = (METRIC_DIMENSIONS as Record<string, readonly (readonly string[])[]>)[m.name];
      return !sets?.some((set) => set.length === m.dimensions.length && set.every((d) => m.dimensions.includes(d)));
    })
    .map((m) => `${m.name} [${m.dimensions.join(', ')}]`);
}

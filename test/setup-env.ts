import fc from 'fast-check';
// Tests never reach AWS: fixed region and dummy credentials so the SDK never looks for real ones.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_DEV ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'SageMakerPipelineFunctions';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

// Every property's runs and shrinking together get at most PROPERTY_TIME_LIMIT_S (default 300 s): shrinking a
// large generated value (the stack property's configurations) once took 2,000 s of a CI run. fast-check then
// reports the smallest failing value found so far, with the seed and path to replay it. A property whose runs
// alone take this long (none comes near at CI's counts: the longest takes seconds) fails rather than passing
// on fewer runs: raise the limit with the counts (PROPERTY_RUNS, PLACES_RUNS).
const propertySeconds = Number(process.env.PROPERTY_TIME_LIMIT_S ?? 300);
if (!(propertySeconds > 0)) throw new Error(`PROPERTY_TIME_LIMIT_S: expected a number of seconds above 0 (got ${process.env.PROPERTY_TIME_LIMIT_S})`);
fc.configureGlobal({ interruptAfterTimeLimit: propertySeconds * 1000, markInterruptAsFailure: true });

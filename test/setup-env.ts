// Tests never reach AWS: fixed region and dummy credentials so the SDK never looks for real ones.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_DEV ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'SageMakerPipelineFunctions';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

/** What every infra builder receives: the stage and the validated configuration with its defaults. */
import { alarmOptions, deployOptions, type PostProcessingConfig, type ResolvedDeployOptions } from '../lib/post-processing/config';

export interface StackContext {
  stage: string;
  config: PostProcessingConfig;
  deploy: ResolvedDeployOptions;
  alarms: ReturnType<typeof alarmOptions>;
}

/** The context of a stage built from a validated configuration. */
export function stackContext(stage: string, config: PostProcessingConfig): StackContext {
  return { stage, config, deploy: deployOptions(config), alarms: alarmOptions(config) };
}

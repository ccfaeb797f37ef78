export { defineLambdaStep, parseStepInput, type StepContext } from './define-step';
export { boolean, float, integer, json, list, nonEmptyText, text } from './inputs';
export { toStepOutputs, type StepOutputs, MAX_OUTPUTS, MAX_OUTPUT_NAME_LENGTH, MAX_OUTPUT_VALUE_LENGTH } from './outputs';

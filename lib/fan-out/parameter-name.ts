/** StartPipelineExecution's rule for a parameter name: the request schema and the item parser both check it. */
export const MAX_PARAMETER_NAME_LENGTH = 256;
/** StartPipelineExecution's parameter name pattern (at least one character). */
export const PARAMETER_NAME = /^[A-Za-z0-9\-_]+$/;

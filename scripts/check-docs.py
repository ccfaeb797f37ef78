"""Static checks of the Python snippets of README.md and docs/*.md (run by scripts/check-docs.ts).

There is no SageMaker SDK here (no PyPI), so each snippet is compiled, and its SDK use is checked
against what was read in the SDK's source (github.com/aws/sagemaker-python-sdk, tags v2.257.6 and
v3.20.0): the modules and names it imports, the keyword arguments of the classes it calls, and, for
every LambdaStep or CallbackStep aimed at this service, the outputs it declares against what the
function returns (given by check-docs.ts, from the code).

    python3 scripts/check-docs.py snippets.json expected-outputs.json

snippets.json: [{"file", "line", "code"}]; expected-outputs.json: {function: {output: type}} with the
key "fanIn" for the fan-in's callback. A snippet's first line says its SDK version:
"# SageMaker Python SDK v2 ..." or "# SageMaker Python SDK v3 ...".
"""
import ast
import json
import re
import sys

STEP_KWARGS = ["name", "display_name", "description", "inputs", "outputs", "cache_config", "depends_on"]
LAMBDA_KWARGS = ["function_arn", "function_name", "execution_role_arn", "zipped_code_dir", "s3_bucket", "script",
                 "handler", "session", "timeout", "memory_size", "runtime", "vpc_config", "environment", "layers"]
OUTPUT_KWARGS = ["output_name", "output_type"]
PARAMETER_KWARGS = ["name", "default_value", "enum_values"]

# Keyword arguments of the constructors, the same in v2.257.6 and v3.20.0 (Pipeline aside).
KWARGS = {
    "LambdaStep": ["lambda_func"] + STEP_KWARGS,
    "CallbackStep": ["sqs_queue_url"] + STEP_KWARGS,
    "Lambda": LAMBDA_KWARGS,
    "LambdaOutput": OUTPUT_KWARGS,
    "CallbackOutput": OUTPUT_KWARGS,
    "ParameterString": PARAMETER_KWARGS,
    "ParameterInteger": ["name", "default_value"],
    "ParameterFloat": ["name", "default_value"],
    "ParameterBoolean": ["name", "default_value"],
    "Join": ["on", "values"],
}
PIPELINE_KWARGS = {
    "v2": ["name", "parameters", "pipeline_experiment_config", "steps", "sagemaker_session", "pipeline_definition_config"],
    "v3": ["name", "parameters", "pipeline_experiment_config", "mlflow_config", "steps", "sagemaker_session",
           "pipeline_definition_config"],
}

PARAMETERS = ["ParameterString", "ParameterInteger", "ParameterFloat", "ParameterBoolean"]
IMPORTS = {
    "v2": {
        "sagemaker.lambda_helper": ["Lambda"],
        "sagemaker.workflow.lambda_step": ["LambdaStep", "LambdaOutput", "LambdaOutputTypeEnum"],
        "sagemaker.workflow.callback_step": ["CallbackStep", "CallbackOutput", "CallbackOutputTypeEnum"],
        "sagemaker.workflow.execution_variables": ["ExecutionVariables"],
        "sagemaker.workflow.parameters": PARAMETERS,
        "sagemaker.workflow.functions": ["Join", "JsonGet"],
        "sagemaker.workflow.pipeline": ["Pipeline"],
    },
    "v3": {
        "sagemaker.core.lambda_helper": ["Lambda"],
        "sagemaker.mlops.workflow.lambda_step": ["LambdaStep", "LambdaOutput", "LambdaOutputTypeEnum"],
        "sagemaker.mlops.workflow.callback_step": ["CallbackStep", "CallbackOutput", "CallbackOutputTypeEnum"],
        "sagemaker.core.workflow.execution_variables": ["ExecutionVariables"],
        "sagemaker.core.workflow.parameters": PARAMETERS,
        "sagemaker.core.workflow.functions": ["Join", "JsonGet"],
        "sagemaker.mlops.workflow.pipeline": ["Pipeline"],
    },
}
STDLIB = {"json", "os"}
OUTPUT_TYPES = {"string": ["String"], "number": ["Integer", "Float"], "integer": ["Integer"], "boolean": ["Boolean"]}


def call_name(node):
    return node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(node.func, ast.Attribute) else None


def keyword(node, name):
    return next((k.value for k in node.keywords if k.arg == name), None)


def function_of(arn, constants):
    """The function a Lambda(function_arn=...) names: a literal ARN ending `-<function>`, or a NAME = "..." of the
    snippet holding one. The ARN is the function's stack Output, copied whole: a prefix plus a name is refused,
    since the fitted names of long stages differ (docs/deploy.md)."""
    if isinstance(arn, ast.Name) and arn.id in constants:
        arn = constants[arn.id]
    if isinstance(arn, ast.Constant) and isinstance(arn.value, str) and ":function:sagemaker-pipeline-functions-" in arn.value:
        return arn.value.rsplit("-", 1)[-1]
    return None


def declared_outputs(step, errors, where):
    outputs = keyword(step, "outputs")
    if outputs is None:
        return {}
    if not isinstance(outputs, ast.List):
        errors.append(f"{where}: outputs must be a literal list to be checked")
        return {}
    declared = {}
    for item in outputs.elts:
        name, kind = (keyword(item, "output_name"), keyword(item, "output_type")) if isinstance(item, ast.Call) else (None, None)
        if not isinstance(name, ast.Constant) or not isinstance(kind, ast.Attribute):
            errors.append(f"{where}: each output must be XOutput(output_name=\"...\", output_type=XOutputTypeEnum.T)")
            continue
        declared[name.value] = kind.attr
    return declared


def compare_outputs(declared, expected, what, where, errors):
    """A step may declare any of the outputs the function returns (the others are not read), each with its type."""
    for name in sorted(set(declared) - set(expected)):
        errors.append(f"{where}: {what} returns no \"{name}\"")
    for name in sorted(set(declared) & set(expected)):
        allowed = OUTPUT_TYPES[expected[name]]
        if declared[name] not in allowed:
            errors.append(f"{where}: output \"{name}\" is declared {declared[name]}, expected {' or '.join(allowed)}")


def check_snippet(snippet, expected, errors):
    where = f"{snippet['file']}:{snippet['line']}"
    code = snippet["code"]
    try:
        tree = ast.parse(code, filename=where)
        compile(tree, where, "exec")
    except SyntaxError as error:
        errors.append(f"{where}: does not compile: {error.msg} (snippet line {error.lineno})")
        return
    version = re.match(r"# SageMaker Python SDK (v2|v3)\b", code)
    if not version:
        errors.append(f"{where}: the first line must say the SDK version: # SageMaker Python SDK v2 ... (or v3)")
        return
    version = version.group(1)
    # Module-level NAME = "..." constants, so that sqs_queue_url=FAN_OUT_QUEUE_URL is checked too.
    constants = {t.id: n.value for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
                 for t in n.targets if isinstance(t, ast.Name)}
    known = IMPORTS[version]
    kwargs = dict(KWARGS, Pipeline=PIPELINE_KWARGS[version])
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = known.get(node.module or "")
            if names is None:
                if (node.module or "").split(".")[0] not in STDLIB:
                    errors.append(f"{where}: module {node.module} is not in the SageMaker Python SDK {version} as checked")
                continue
            for alias in node.names:
                if alias.name not in names:
                    errors.append(f"{where}: {node.module} has no {alias.name} in the SDK {version}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name not in STDLIB:
                    errors.append(f"{where}: import {alias.name}: only `from <module> import <name>` is checked")
        elif isinstance(node, ast.Call) and call_name(node) in kwargs:
            name = call_name(node)
            for k in node.keywords:
                if k.arg not in kwargs[name]:
                    errors.append(f"{where}: {name}() takes no argument {k.arg} (SDK {version})")
            if name == "LambdaStep":
                func = keyword(node, "lambda_func")
                arn = keyword(func, "function_arn") if isinstance(func, ast.Call) else None
                function = function_of(arn, constants) if arn is not None else None
                if function is None:
                    errors.append(f"{where}: LambdaStep: lambda_func=Lambda(function_arn=<the function's ARN>), a literal or a NAME = \"arn:...\" of the snippet, not a prefix plus a name")
                elif function not in expected:
                    errors.append(f"{where}: LambdaStep: no LambdaStep function {function}")
                else:
                    compare_outputs(declared_outputs(node, errors, where), expected[function], function, where, errors)
            if name == "CallbackStep":
                queue = keyword(node, "sqs_queue_url")
                if isinstance(queue, ast.Name) and queue.id in constants:
                    queue = constants[queue.id]
                if not isinstance(queue, ast.Constant):
                    errors.append(f"{where}: CallbackStep: sqs_queue_url must be a string, or a NAME = \"...\" of the snippet")
                elif str(queue.value).endswith("-fan-out"):
                    compare_outputs(declared_outputs(node, errors, where), expected["fanIn"], "the fan-in's callback", where, errors)


def main():
    with open(sys.argv[1]) as f:
        snippets = json.load(f)
    with open(sys.argv[2]) as f:
        expected = json.load(f)
    errors = []
    for snippet in snippets:
        check_snippet(snippet, expected, errors)
    for error in errors:
        print(error)
    print(f"python snippets: {len(snippets)} checked, {len(errors)} problem(s)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()

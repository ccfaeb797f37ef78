/**
 * A local SageMaker Pipelines API (the FakeSageMaker the tests use, over HTTP), for running the
 * fan-in functions offline:
 *   node --import tsx scripts/local-sagemaker.ts child-pipeline-1:ProcessingDate [name:Param,Param ...]
 * prints AWS_ENDPOINT_URL_SAGEMAKER=http://127.0.0.1:<port>, then one line per call it answers
 * (`call <Operation> <input JSON>`). It serves until stopped (Ctrl-C, or a signal).
 */
import { FakeSageMaker } from '../doubles/fake-sagemaker';
import { serveFakeSageMaker } from '../doubles/fake-sagemaker-http';

async function main() {
  const fake = new FakeSageMaker();
  for (const spec of process.argv.slice(2)) {
    const [name = '', params = 'item'] = spec.split(':');
    fake.addPipeline(name, params.split(',').filter(Boolean));
  }
  const server = await serveFakeSageMaker(fake, (operation, input) => console.log(`call ${operation} ${input}`));
  console.log(`AWS_ENDPOINT_URL_SAGEMAKER=${server.endpoint}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();

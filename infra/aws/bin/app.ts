/**
 * The CDK app: `npx cdk deploy [-c auth=iam|api-key] [-c stackName=...] [-c corsOrigins=...]
 * [-c throttleRate=N -c throttleBurst=N] [-c accessLogs=true] [-c encryptTopics=true]` from infra/aws (see
 * lib/context.ts). Environment-agnostic: the account and region are those of the credentials at
 * deployment.
 */
import { App } from 'aws-cdk-lib';
import { deployOptions } from '../lib/context.js';
import { EventStoreStack } from '../lib/event-store-stack.js';
import { projectVersion } from '../lib/source.js';

const app = new App();
const { stackName, props } = deployOptions((key) => app.node.tryGetContext(key));

new EventStoreStack(app, stackName, {
  ...props,
  version: projectVersion(),
  description: `Elastic Event Store ${projectVersion()} (auth: ${props.auth})`,
});

/**
 * The CDK app: `npx cdk deploy [-c auth=iam|api-key] [-c stackName=...] [-c corsOrigins=...]`
 * from infra/aws.
 * Environment-agnostic: the account and region are those of the credentials at deployment.
 */
import { App } from 'aws-cdk-lib';
import type { ApiAuth } from '../lib/event-store-stack.js';
import { API_AUTH_MODES, EventStoreStack } from '../lib/event-store-stack.js';
import { projectVersion } from '../lib/source.js';

const app = new App();

const auth = String(app.node.tryGetContext('auth') ?? 'iam');
if (!API_AUTH_MODES.includes(auth as ApiAuth)) {
  throw new Error(`-c auth=${auth}: expected one of ${API_AUTH_MODES.join(', ')}`);
}
const stackName = String(app.node.tryGetContext('stackName') ?? 'ElasticEventStore');
// -c corsOrigins=https://app.example.com,https://admin.example.com (or *)
const corsOrigins = String(app.node.tryGetContext('corsOrigins') ?? '')
  .split(',')
  .map((origin) => origin.trim())
  .filter((origin) => origin !== '');

new EventStoreStack(app, stackName, {
  auth: auth as ApiAuth,
  version: projectVersion(),
  corsOrigins,
  description: `Elastic Event Store ${projectVersion()} (auth: ${auth})`,
});

import { createApiHandler } from '../../src/lambda/index.js';
import { catchUpStatistics } from '../../src/projections/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { testContract } from '../http/contract.js';
import type { RequestSpec } from './api-events.js';
import { httpApiEvent, lambdaClient, restApiEvent } from './api-events.js';

/*
 * The whole HTTP contract suite, run through the Lambda handler: every request becomes the
 * event API Gateway would send, every result is read back the way API Gateway would. The suite
 * compares whole bodies, so the Lambda runtime answers byte for byte as the Node server does.
 */

const throughLambda = (toEvent: (spec: RequestSpec) => unknown) => () => {
  const store = createMemoryStore();
  const handler = createApiHandler({ store, version: '0.1.0' });
  return Promise.resolve({
    client: lambdaClient(handler, toEvent),
    refreshStatistics: async () => {
      await catchUpStatistics(store);
    },
    close: () => store.close(),
  });
};

testContract('AWS Lambda behind a REST API (payload 1.0)', throughLambda(restApiEvent));

testContract(
  'AWS Lambda behind an HTTP API (payload 2.0), path as sent',
  throughLambda((spec) => httpApiEvent(spec)),
);

testContract(
  'AWS Lambda behind an HTTP API (payload 2.0) on a named stage',
  throughLambda((spec) => httpApiEvent(spec, { stage: 'prod' })),
);

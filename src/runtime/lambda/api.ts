/**
 * AWS Lambda entry point of the HTTP API (behind API Gateway). Reads its settings from the
 * environment at cold start; see `apiSettings` for the variables.
 */
import { createApiHandler } from '../../lambda/api-handler.js';
import { lambdaDynamoDbStore } from '../../lambda/dynamodb.js';
import { apiSettings } from '../../lambda/settings.js';

const settings = apiSettings(process.env);

export const handler = createApiHandler({
  store: lambdaDynamoDbStore({ tableName: settings.tableName }),
  version: settings.version,
  limits: settings.limits,
  cors: settings.cors,
});

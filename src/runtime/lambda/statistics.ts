/**
 * AWS Lambda entry point of the statistics projector, run every minute by an EventBridge
 * schedule. Reads `EES_TABLE_NAME`.
 */
import { lambdaDynamoDbStore } from '../../lambda/dynamodb.js';
import { tableSettings } from '../../lambda/settings.js';
import { createStatisticsHandler } from '../../lambda/statistics-handler.js';

const { tableName } = tableSettings(process.env);

export const handler = createStatisticsHandler({ store: lambdaDynamoDbStore({ tableName }) });

/**
 * AWS Lambda entry point of the global indexer, triggered by the table's DynamoDB stream with
 * ReportBatchItemFailures. Reads `EES_TABLE_NAME`.
 */
import { createIndexerHandler } from '../../lambda/indexer-handler.js';
import { tableSettings } from '../../lambda/settings.js';
import { createDynamoDbClient } from '../../stores/dynamodb/index.js';

const { tableName } = tableSettings(process.env);

export const handler = createIndexerHandler({
  table: { client: createDynamoDbClient({}), tableName },
});

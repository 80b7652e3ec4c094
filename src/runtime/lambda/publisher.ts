/**
 * AWS Lambda entry point of the push publisher, triggered by the table's DynamoDB stream with
 * ReportBatchItemFailures. Reads `EES_CHANGESETS_TOPIC_ARN` and `EES_EVENTS_TOPIC_ARN`.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { createPublisherHandler } from '../../lambda/publisher-handler.js';
import { publisherSettings } from '../../lambda/settings.js';
import { createSnsChangesetPublisher, snsPublishBatch } from '../../push/sns/index.js';

const topics = publisherSettings(process.env);

export const handler = createPublisherHandler({
  publisher: createSnsChangesetPublisher({
    publishBatch: snsPublishBatch(new SNSClient({})),
    ...topics,
  }),
});

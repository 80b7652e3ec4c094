export { snsChangesetMessage, snsEventMessages, messageGroupId } from './messages.js';
export type { SnsChannel, SnsMessage } from './messages.js';
export {
  publishInOrder,
  SNS_MAX_BATCH_ENTRIES,
  SNS_MAX_PAYLOAD_BYTES,
} from './publish-in-order.js';
export type { PublishBatch, PublishInOrderOptions } from './publish-in-order.js';
export { createSnsChangesetPublisher, snsPublishBatch } from './changeset-publisher.js';
export type { ChangesetPublisher, SnsChangesetPublisherOptions } from './changeset-publisher.js';

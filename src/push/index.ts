// Push delivery, built on the pull enumeration: Server-Sent Events subscriptions (follow the
// store, resume anywhere) and the SNS FIFO publisher used on AWS.
export { watchChanges } from './changes.js';
export type { ChangeWatch } from './changes.js';
export { followGlobal, followGlobalText, followStream } from './follow.js';
export type { FollowOptions } from './follow.js';
export {
  changesetMessage,
  enumeratedChangesetJson,
  eventMessages,
  resumeAfter,
} from './messages.js';
export type { PushMessage, ResumePoint } from './messages.js';
export * from './sns/index.js';

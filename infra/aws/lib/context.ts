import type { ApiAuth, ApiThrottle, EventStoreStackProps } from './event-store-stack.js';
import { API_AUTH_MODES, throttleProblem } from './event-store-stack.js';

/** The stack to deploy, as `-c key=value` options of `cdk deploy` describe it. */
export interface DeployOptions {
  readonly stackName: string;
  readonly props: Omit<EventStoreStackProps, 'version' | 'description'>;
}

/**
 * Reads the `-c` options of `cdk deploy` (`context` is `app.node.tryGetContext`); a value that
 * cannot be deployed throws, naming the option:
 * - `auth`: `iam` (default) or `api-key`;
 * - `stackName`: default `ElasticEventStore`;
 * - `corsOrigins`: comma-separated origins, or `*`;
 * - `throttleRate` and `throttleBurst`, together: requests per second, steady and at once;
 * - `accessLogs` and `encryptTopics`: `true` or `false` (default).
 */
export function deployOptions(context: (key: string) => unknown): DeployOptions {
  const text = (key: string): string | undefined => {
    const value = context(key);
    return value === undefined ? undefined : String(value);
  };
  const auth = text('auth') ?? 'iam';
  if (!API_AUTH_MODES.includes(auth as ApiAuth)) {
    throw new Error(`-c auth=${auth}: expected one of ${API_AUTH_MODES.join(', ')}`);
  }
  const corsOrigins = (text('corsOrigins') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  const rate = text('throttleRate');
  const burst = text('throttleBurst');
  if ((rate === undefined) !== (burst === undefined)) {
    throw new Error('-c throttleRate and -c throttleBurst go together');
  }
  const throttle: ApiThrottle | undefined =
    rate === undefined || burst === undefined
      ? undefined
      : { rateLimit: Number(rate), burstLimit: Number(burst) };
  const problem = throttle === undefined ? undefined : throttleProblem(throttle);
  if (problem !== undefined) {
    throw new Error(
      `-c throttleRate=${String(rate)} -c throttleBurst=${String(burst)}: ${problem}`,
    );
  }
  const flag = (key: string): boolean => {
    const value = text(key) ?? 'false';
    if (value !== 'true' && value !== 'false') {
      throw new Error(`-c ${key}=${value}: expected true or false`);
    }
    return value === 'true';
  };
  return {
    stackName: text('stackName') ?? 'ElasticEventStore',
    props: {
      auth: auth as ApiAuth,
      corsOrigins,
      ...(throttle === undefined ? {} : { throttle }),
      accessLogs: flag('accessLogs'),
      encryptTopics: flag('encryptTopics'),
    },
  };
}

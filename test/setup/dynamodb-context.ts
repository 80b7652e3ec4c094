/**
 * What the DynamoDB Local global setup hands to test files (vitest `provide` / `inject`): the
 * endpoint of the instance it started, or why it started none.
 */
export type DynamoDbLocalContext =
  { readonly endpoint: string } | { readonly endpoint: null; readonly reason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbLocal: DynamoDbLocalContext;
  }
}

/**
 * Credentials for DynamoDB Local, which checks that they are present but not what they are. It
 * keeps one database per access key and region, so every client of a test run uses these.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'local';

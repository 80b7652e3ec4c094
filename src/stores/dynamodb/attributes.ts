import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** An item as the SDK returns it. */
export type Item = Record<string, AttributeValue>;

const missing = (name: string, type: string): Error =>
  new Error(`DynamoDB item lacks the ${type} attribute "${name}": not an event store item`);

export function stringOf(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw missing(name, 'string');
  return value;
}

export function numberOf(item: Item, name: string): number {
  const value = optionalNumberOf(item, name);
  if (value === undefined) throw missing(name, 'number');
  return value;
}

export function optionalNumberOf(item: Item, name: string): number | undefined {
  const value = item[name]?.N;
  return value === undefined ? undefined : Number(value);
}

export const numberValue = (value: number): AttributeValue => ({ N: String(value) });

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { utf8Length } from '../../core/index.js';

/** DynamoDB's item size limit: 400 KiB, attribute names included. */
export const MAX_ITEM_BYTES = 400 * 1024;

/**
 * What DynamoDB adds to an item's size for each local secondary index entry, on top of the
 * entry's key attributes (the table keys and the index's sort key). Measured on DynamoDB Local,
 * which counts every LSI entry against the item's 400 KiB: that is why the seed's ALL
 * projections, which copy the whole item into both LSIs, capped changesets at about 130 KB.
 */
export const LSI_ENTRY_OVERHEAD_BYTES = 100;

/**
 * A number's stored size: about one byte per two significant digits, plus one. Leading and
 * trailing zeros, the sign and the decimal point do not count.
 */
export function numberBytes(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** The size DynamoDB counts for one attribute value (the types this store writes). */
export function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Length(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  throw new Error(`Unexpected attribute type: ${Object.keys(value).join(', ')}`);
}

/** An item's size as DynamoDB counts it toward the 400 KiB limit: names plus values. */
export const itemBytes = (item: Readonly<Record<string, AttributeValue>>): number =>
  Object.entries(item).reduce(
    (total, [name, value]) => total + utf8Length(name) + valueBytes(value),
    0,
  );

/** The largest number this store writes (checkpoints, ids): `Number.MAX_SAFE_INTEGER`. */
export const MAX_NUMBER_BYTES = numberBytes(String(Number.MAX_SAFE_INTEGER));

/** The size of one attribute, for budgets computed before its value is known. */
export const attributeBytes = (name: string, valueSize: number): number =>
  utf8Length(name) + valueSize;

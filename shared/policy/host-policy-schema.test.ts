import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN } from './duration.js';
import { hostPolicySchemaPath, readHostPolicySchema } from './host-policy-schema.js';
import { SIZE_PATTERN } from './size.js';

type Schema = Record<string, unknown>;

/** Every subschema in the document, with its JSON pointer. */
function subschemas(schema: Schema, pointer = ''): Array<[string, Schema]> {
  return Object.entries(schema).flatMap(([key, value]): Array<[string, Schema]> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    const at = `${pointer}/${key}`;
    return [[at, value as Schema], ...subschemas(value as Schema, at)];
  });
}

describe('host-policy.schema.json', () => {
  it('is found from the source tree', () => {
    expect(hostPolicySchemaPath()).toMatch(/policies\/schema\/host-policy\.schema\.json$/);
  });

  it('describes every property', async () => {
    const properties = subschemas(await readHostPolicySchema()).filter(([pointer]) => /\/properties\/[^/]+$/.test(pointer));
    expect(properties.length).toBeGreaterThan(20);
    const undescribed = properties.filter(([, property]) => typeof property.description !== 'string' || property.description === '');
    expect(undescribed.map(([pointer]) => pointer)).toEqual([]);
  });

  it('forbids unknown properties in every object', async () => {
    const schema = await readHostPolicySchema();
    const objects = [['', schema] as [string, Schema], ...subschemas(schema)].filter(([, node]) => node.properties !== undefined);
    expect(objects.length).toBeGreaterThan(5);
    expect(objects.filter(([, node]) => node.additionalProperties !== false).map(([pointer]) => pointer)).toEqual([]);
  });

  it('accepts durations with the same pattern the parser uses', async () => {
    const schema = await readHostPolicySchema();
    expect((schema.$defs as Record<string, Schema>).duration?.pattern).toBe(DURATION_PATTERN.source);
  });

  it('accepts sizes with the same pattern the parser uses', async () => {
    const schema = await readHostPolicySchema();
    expect((schema.$defs as Record<string, Schema>).size?.pattern).toBe(SIZE_PATTERN.source);
  });
});

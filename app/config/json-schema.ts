// The config's JSON Schema, derived from the zod model so the two cannot disagree.
import { z } from 'zod';
import { Config } from './schema.ts';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Config, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://switchyard.dev/schema/config-v1.json', title: 'Switchyard config' };
}

// `npm run schema`: write the config's JSON Schema (for editors) from the zod model.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../app/config/json-schema.ts';

const out = new URL('../schema/switchyard.config.schema.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${out.pathname}`);

// Writes docs/configuration.md from the configuration schema: `npm run docs:config`.
import { writeFile } from 'node:fs/promises';
import { renderReference } from '../src/config/reference.ts';

await writeFile(new URL('../docs/configuration.md', import.meta.url), renderReference());

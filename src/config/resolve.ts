// After the schema: converts every `format: duration` value to seconds, so the typed Config
// carries numbers and nothing downstream parses duration strings again.
import { parseDuration } from './duration.ts';
import { childSchema, CONFIGURATION_SCHEMA, resolveRef, type JSONSchema } from './schema.ts';

export function convertDurations(data: unknown, schema: JSONSchema = resolveRef(CONFIGURATION_SCHEMA)): unknown {
  if (schema.format === 'duration') {
    const seconds = parseDuration(data);
    return seconds === undefined ? data : seconds;
  }
  if (Array.isArray(data)) {
    return data.map((item, i) => {
      const child = childSchema(schema, i);
      return child ? convertDurations(item, child) : item;
    });
  }
  if (data !== null && typeof data === 'object') {
    const map = data as Record<string, unknown>;
    for (const key of Object.keys(map)) {
      const child = childSchema(schema, key);
      if (child) map[key] = convertDurations(map[key], child);
    }
  }
  return data;
}

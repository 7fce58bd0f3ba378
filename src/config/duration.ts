// Durations as Authelia writes them: `1w`, `1 week`, `2 hours`, `1h30m`, `90s`, `500ms`, `1M` (month),
// `1y`, or a plain number of seconds. `-1` is kept as -1 (Authelia uses it to mean "disabled").
// The units are exactly Authelia's (utils.StandardizeDurationString): `1 hr` or `5 mins` fail there too.
const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6,
  ms: 0.001, millisecond: 0.001, milliseconds: 0.001,
  s: 1, second: 1, seconds: 1,
  m: 60, minute: 60, minutes: 60,
  h: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
  w: 604800, week: 604800, weeks: 604800,
  M: 2592000, month: 2592000, months: 2592000,
  y: 31536000, year: 31536000, years: 31536000,
};

const PART = /(\d+(?:\.\d+)?)\s*([a-zA-Zµμ]+)\s*/y;

/** Returns the duration in seconds, or undefined when the text is not a duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && (value >= 0 || value === -1) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^-1$/.test(text)) return -1;
  if (/^\d+$/.test(text)) return Number(text);
  if (text === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const match = PART.exec(text);
    if (!match || match.index !== start) return undefined;
    const [, amount, rawUnit] = match;
    // Single letters are case-sensitive (m = minute, M = month); words are not.
    const unit = rawUnit!.length === 1 ? rawUnit! : rawUnit!.toLowerCase();
    const factor = UNIT_SECONDS[unit];
    if (factor === undefined) return undefined;
    total += Number(amount) * factor;
  }
  return total;
}

export function isDuration(value: unknown): boolean {
  return parseDuration(value) !== undefined;
}

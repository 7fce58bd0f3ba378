// How a configured value is quoted in messages; secrets are never shown.
export function describeValue(value: unknown, secret = false): string {
  if (secret) return typeof value === 'string' ? `a secret of ${value.length} characters (not shown)` : 'a secret value (not shown)';
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return `'${shown.replace(/\n/g, '\\n').replace(/\t/g, '\\t')}'`;
  }
  return String(value);
}

/** `'a', 'b', or 'c'` */
export function listValues(values: readonly unknown[]): string {
  const quoted = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
  if (quoted.length <= 1) return quoted.join('');
  if (quoted.length === 2) return `${quoted[0]} or ${quoted[1]}`;
  return `${quoted.slice(0, -1).join(', ')}, or ${quoted.at(-1)}`;
}

/** `an EC key on curve secp256k1`, `an ed25519 key`, `a dsa key`: what kind of key was configured. */
export function describeKeyType(type: string, curve?: string): string {
  if (type === 'ec') return `an EC key on curve ${curve ?? 'unknown'}`;
  return `${/^[aeiou]/i.test(type) ? 'an' : 'a'} ${type} key`;
}

// Parameter bounds for new digests, and the check that collects every out-of-range option at once
// (so the config validator can report them all, and generateDigest can refuse with one message).

export interface Bound {
  readonly min: number;
  readonly max: number;
}

export interface OptionProblem {
  /** The GenerateOptions key, e.g. 'saltLength'. */
  readonly option: string;
  /** e.g. "must be between 8 and 1024 but is 4". */
  readonly message: string;
}

export const UINT32_MAX = 2 ** 32 - 1;
export const INT32_MAX = 2 ** 31 - 1;

/** Appends a problem when `value` is not a whole number within `bound`. */
function checkBound(problems: OptionProblem[], option: string, value: number, bound: Bound): void {
  if (!Number.isInteger(value) || value < bound.min || value > bound.max) {
    const range = bound.max === Number.MAX_SAFE_INTEGER ? `at least ${bound.min}` : `between ${bound.min} and ${bound.max}`;
    problems.push({ option, message: `must be a whole number ${range} but is ${value}` });
  }
}

/** Checks `variant` against its choices and every bounded option; returns all problems found. */
export function checkOptions<O extends { readonly variant: string }>(
  options: O,
  variants: readonly string[],
  bounds: { readonly [K in keyof O]?: Bound },
): OptionProblem[] {
  const problems: OptionProblem[] = [];
  if (!variants.includes(options.variant)) problems.push({ option: 'variant', message: `must be one of ${variants.join(', ')} but is '${options.variant}'` });
  for (const option of Object.keys(bounds) as (keyof O & string)[]) {
    const bound = bounds[option];
    if (bound) checkBound(problems, option, Number(options[option]), bound);
  }
  return problems;
}

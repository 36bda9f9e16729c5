// Turning flag values (strings as typed) into checked numbers and choices. Every failure is a UsageError whose
// one-line message names the flag, e.g. "--units must be a whole number ≥ 1 (got "abc")".

import { UserError } from '../core/errors.js';

/** A mistake in how memsig was invoked (bad flag, bad value): exit code 2 rather than 1. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

// Plain decimal numbers as people type them: 12, -3, 0.5, .5, 2e-3. No hex, no Infinity, no empty string.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

function shown(value: unknown): string {
  return JSON.stringify(String(value));
}

/** A finite number, or a UsageError naming `flag`. Values already numbers (defaults) pass through. */
export function parseNumber(flag: string, value: string | number, what = 'a number'): number {
  if (typeof value === 'number') return value;
  const text = value.trim();
  const n = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(n)) throw new UsageError(`${flag} must be ${what} (got ${shown(value)})`);
  return n;
}

/** A whole number ≥ min (and ≤ max when given). */
export function parseInteger(flag: string, value: string | number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const what = max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`;
  const n = parseNumber(flag, value, what);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be ${what} (got ${shown(value)})`);
  return n;
}

/** A number > 0 (and < below when given). */
export function parsePositive(flag: string, value: string | number, below?: number): number {
  const what = below === undefined ? 'a number > 0' : `a number > 0 and < ${below}`;
  const n = parseNumber(flag, value, what);
  if (!(n > 0) || (below !== undefined && !(n < below)))
    throw new UsageError(`${flag} must be ${what} (got ${shown(value)})`);
  return n;
}

/** A probability in [0, 1). */
export function parseProbability(flag: string, value: string | number): number {
  const what = 'a number ≥ 0 and < 1';
  const n = parseNumber(flag, value, what);
  if (!(n >= 0 && n < 1)) throw new UsageError(`${flag} must be ${what} (got ${shown(value)})`);
  return n;
}

/** One of `choices`. */
export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be ${choiceList(choices)} (got ${shown(value)})`);
}

function choiceList(choices: readonly string[]): string {
  if (choices.length <= 1) return choices.join('');
  return `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
}

/** A non-empty path. */
export function parsePath(flag: string, value: string): string {
  if (value.trim() === '') throw new UsageError(`${flag} needs a path (got an empty string)`);
  return value;
}

/**
 * A comma-separated list of bigrams, each exactly two characters (a space counts: "e ,th"). Whether both are symbols
 * of a model's alphabet is checked where the alphabet is known.
 */
export function parseBigramList(flag: string, value: string): string[] {
  const items = value.split(',');
  for (const item of items) {
    if ([...item].length !== 2) {
      throw new UsageError(
        `${flag} takes bigrams of two characters separated by commas, e.g. th,ha,in (got ${shown(item)})`,
      );
    }
  }
  return items;
}

// Turns a JSON Schema validation error (ajv) into the one line a user reads: the field as a JSON pointer, what it
// must be, and what was found. Shared by every validated file type.

import type { ErrorObject } from 'ajv';

/** A JSON pointer to the field, as users see it in messages ("/normalization/alphabet"). */
export function pointer(path: string, child?: string): string {
  return child === undefined ? path || '(top level)' : `${path}/${child}`;
}

/** A value as it appears in a message, shortened. */
export function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The first validation error as a phrase; `what` names the document when there is no error detail. */
export function describeSchemaError(error: ErrorObject | undefined, what: string): string {
  if (!error) return `invalid ${what}`;
  const at = pointer(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `missing field ${pointer(error.instancePath, String(params.missingProperty))}`;
    case 'additionalProperties':
      return `unknown field ${pointer(error.instancePath, String(params.additionalProperty))}`;
    case 'const':
      return `${at} must be ${show(params.allowedValue)} (found ${show(error.data)})`;
    case 'enum':
      return `${at} must be one of ${(params.allowedValues as unknown[]).map(show).join(', ')} (found ${show(error.data)})`;
    case 'uniqueItems': {
      const [first, second] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      return `${at} has ${show((error.data as unknown[])[first])} twice (items ${first} and ${second})`;
    }
    case 'type':
      return `${at} must be ${typePhrase(params.type)} (found ${show(error.data)})`;
    default:
      return `${at} ${error.message ?? 'is invalid'} (found ${show(error.data)})`;
  }
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

// Ajv gives "integer" or "number,null"; users read "an integer" or "a number or null".
function typePhrase(type: unknown): string {
  const names = Array.isArray(type) ? type : String(type).split(',');
  return names.map((name) => TYPE_WORDS[name] ?? name).join(' or ');
}

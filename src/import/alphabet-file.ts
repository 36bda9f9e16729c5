// The alphabet of an imported model: symbol i is row i of the embedding and of the projection. It comes with the
// model (safetensors metadata, model.json userDefinedMetadata, ONNX metadata_props, each under "alphabet") or from
// --alphabet-file: a JSON list, a JSON {symbol: id} map, or plain text with one symbol per line.

import { UserError } from '../core/errors.js';
import { readFileBytes } from '../io/read-file.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON alphabet: a list of symbols in id order, or a {symbol: id} map whose ids are 0 … n − 1. */
export function alphabetFromValue(value: unknown, label: string): string[] {
  if (Array.isArray(value)) {
    if (!value.every((s) => typeof s === 'string')) throw new UserError(`${label}: an alphabet list holds strings`);
    return value as string[];
  }
  if (isObject(value)) {
    const entries = Object.entries(value);
    const symbols: string[] = new Array(entries.length);
    for (const [symbol, id] of entries) {
      if (
        !Number.isInteger(id) ||
        (id as number) < 0 ||
        (id as number) >= entries.length ||
        symbols[id as number] !== undefined
      ) {
        throw new UserError(
          `${label}: ids of a {symbol: id} map must be 0 … ${entries.length - 1}, each once (${JSON.stringify(symbol)} has ${JSON.stringify(id)})`,
        );
      }
      symbols[id as number] = symbol;
    }
    return symbols;
  }
  throw new UserError(`${label}: an alphabet is a JSON list of symbols or a {symbol: id} map`);
}

/** An alphabet stored as JSON text in a model's metadata (a list or a map). */
export function alphabetFromJsonText(text: string, label: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${label}: not JSON (an alphabet is a JSON list of symbols or a {symbol: id} map)`);
  }
  return alphabetFromValue(value, label);
}

/**
 * --alphabet-file: JSON (a list or a map) when it parses as such, otherwise one symbol per line (a line that is
 * empty, past the last newline, ends the file; a newline cannot be a symbol in this form, use JSON: ["\\n", …]).
 */
export async function readAlphabetFile(path: string): Promise<string[]> {
  const bytes = await readFileBytes(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`${path}: not valid UTF-8 text`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      throw new UserError(`${path}: not valid JSON (${(err as Error).message})`);
    }
    return alphabetFromValue(value, path);
  }
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    if ([...line].length !== 1) {
      throw new UserError(`${path}: line ${i + 1} holds ${JSON.stringify(line)}, not one symbol (one symbol per line)`);
    }
  });
  return lines;
}

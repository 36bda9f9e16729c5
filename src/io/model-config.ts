// Validation of a model's config.json against docs/model-config.schema.json (the schema users read is the one that
// is enforced), plus the checks a schema cannot express. Failures are one UserError line naming the file.

import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { LasModelConfig } from '../asr/las-model-config.js';
import { UserError } from '../core/errors.js';
import type { CharLmConfig } from '../models/config.js';
import { packageFile } from './package-files.js';
import { describeSchemaError, show } from './schema-messages.js';

export const MODEL_CONFIG_SCHEMA_PATH = ['docs', 'model-config.schema.json'] as const;

let compiled: ValidateFunction | undefined;

// Compiled on first use and kept: compiling costs far more than validating.
function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(packageFile(...MODEL_CONFIG_SCHEMA_PATH), 'utf8'));
    // strict: a schema mistake throws here (and in the tests) instead of being logged; verbose: errors carry the data.
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: false, verbose: true, logger: false });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/**
 * Checks `value` (parsed config.json) as a language model's config and returns it typed; `label` (the file) starts
 * every UserError message. A speech recognizer's config (kind "las") is refused with a pointer to `memsig asr`.
 */
export function validateModelConfig(value: unknown, label: string): CharLmConfig {
  const config = validateAnyModelConfig(value, label);
  if (config.kind === 'las') {
    throw new UserError(
      `${label}: a Listen-Attend-Spell speech recognizer (kind "las"), not a language model; memsig asr eval and memsig asr transcribe read it`,
    );
  }
  return config;
}

/** Checks a LAS model's config.json: a language model's config is refused. */
export function validateLasModelConfig(value: unknown, label: string): LasModelConfig {
  const config = validateAnyModelConfig(value, label);
  if (config.kind !== 'las') {
    throw new UserError(`${label}: a language model (kind ${show(config.kind)}), not a speech recognizer (kind "las")`);
  }
  return config;
}

/** Checks a config.json of any kind. */
export function validateAnyModelConfig(value: unknown, label: string): CharLmConfig | LasModelConfig {
  checkIdentity(value, label);
  const validate = schemaValidator();
  if (!validate(value)) throw new UserError(`${label}: ${describeSchemaError(validate.errors?.[0], 'model config')}`);
  const config = value as CharLmConfig | LasModelConfig;
  if (config.kind === 'las') checkLasSemantics(config, label);
  else checkSemantics(config, label);
  return config;
}

function checkLasSemantics(config: LasModelConfig, label: string): void {
  const fail = (message: string) => new UserError(`${label}: ${message}`);
  const seen = new Map<string, number>();
  config.graphemes.forEach((symbol, i) => {
    if ([...symbol].length !== 1) throw fail(`/graphemes/${i} must be exactly one character (found ${show(symbol)})`);
    const first = seen.get(symbol);
    if (first !== undefined) throw fail(`/graphemes has ${show(symbol)} twice (items ${first} and ${i})`);
    seen.set(symbol, i);
  });
  const { las, features } = config;
  if (las.alphabet !== config.graphemes.length) {
    throw fail(`/las/alphabet is ${las.alphabet} but there are ${config.graphemes.length} graphemes`);
  }
  if (las.pyramidLayers > las.listenerLayers) {
    throw fail(`/las/pyramidLayers (${las.pyramidLayers}) is more than /las/listenerLayers (${las.listenerLayers})`);
  }
  if (las.location && las.location.kernel % 2 === 0)
    throw fail(`/las/location/kernel must be odd (found ${las.location.kernel})`);
  const bins = features.fbank.melBins + (features.fbank.useEnergy ? 1 : 0);
  if (las.features !== bins)
    throw fail(`/las/features is ${las.features} but the fbank settings give ${bins} per frame`);
}

// A clear message for the likeliest mix-ups (another file, a newer memsig) before the field-by-field schema errors.
function checkIdentity(value: unknown, label: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError(`${label}: a model config must be a JSON object`);
  }
  const { format, version } = value as Record<string, unknown>;
  if (format !== 'memsig-model') {
    throw new UserError(`${label}: not a memsig model config ("format" is ${show(format)}, expected "memsig-model")`);
  }
  if (typeof version === 'number' && version !== 1) {
    throw new UserError(`${label}: config version ${version} is not supported (this memsig reads version 1)`);
  }
}

function checkSemantics(config: CharLmConfig, label: string): void {
  const fail = (message: string) => new UserError(`${label}: ${message}`);
  const { alphabet, digitSymbol, unknown } = config.normalization;
  // JSON Schema counts code points, as we do here: one symbol is one Unicode character.
  const seen = new Map<string, number>();
  alphabet.forEach((symbol, i) => {
    if ([...symbol].length !== 1) {
      throw fail(`/normalization/alphabet/${i} must be exactly one character (found ${show(symbol)})`);
    }
    const first = seen.get(symbol);
    if (first !== undefined) throw fail(`/normalization/alphabet has ${show(symbol)} twice (items ${first} and ${i})`);
    seen.set(symbol, i);
  });
  if (digitSymbol !== null && !seen.has(digitSymbol)) {
    throw fail(`/normalization/digitSymbol ${show(digitSymbol)} is not in the alphabet`);
  }
  if (unknown === 'space' && !seen.has(' ')) {
    throw fail('/normalization/unknown is "space" but the alphabet has no space');
  }
  if (config.kind !== 'factorized-lstm' && config.lambda !== undefined) {
    throw fail(`/lambda is for factorized-lstm models only (this is a ${show(config.kind)} model)`);
  }
  if (config.gateActivation !== undefined && config.kind !== 'char-lm') {
    throw fail(`/gateActivation is for char-lm models only (this is a ${show(config.kind)} model)`);
  }
  if (config.resetAfter !== undefined && config.cell !== 'gru') {
    throw fail(`/resetAfter is for GRU models only (this is a ${show(config.cell)} model)`);
  }
  if (config.kind === 'factorized-lstm' && config.cell !== 'lstm') {
    throw fail(`/cell must be "lstm" for a factorized-lstm model (found ${show(config.cell)})`);
  }
  for (const field of ['layers', 'units', 'embed'] as const) {
    if (!Number.isSafeInteger(config[field]) || config[field] < 1) {
      throw fail(`/${field} must be a positive integer (found ${show(config[field])})`);
    }
  }
}

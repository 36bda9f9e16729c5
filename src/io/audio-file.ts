// Reads speech audio as mono float samples in [−1, 1]: WAV (PCM 8/16/24/32-bit, IEEE float 32/64) and FLAC, told
// apart by their first bytes rather than by the file's extension.

import { FLACDecoder } from '@wasm-audio-decoders/flac';
import wavefile from 'wavefile';
import { UserError } from '../core/errors.js';
import { readFileBytes } from './read-file.js';

export interface Audio {
  samples: Float32Array; // mono: the mean of the channels
  sampleRate: number;
}

/** Lower rates cannot carry speech's formants; such a file is almost certainly a mistake. */
export const MIN_SAMPLE_RATE = 8000;

/** The audio in the file at `path`; every problem is a one-line UserError naming it. */
export async function readAudio(path: string): Promise<Audio> {
  return decodeAudio(await readFileBytes(path), path);
}

/** Decodes WAV or FLAC `bytes`; `name` (a path, usually) starts every error message. */
export async function decodeAudio(bytes: Uint8Array, name: string): Promise<Audio> {
  if (bytes.length === 0) throw new UserError(`${name}: empty file, not audio`);
  const format = detectFormat(bytes);
  if (format === undefined) throw new UserError(`${name}: not audio (neither a WAV nor a FLAC file)`);
  const audio = format === 'wav' ? decodeWav(bytes, name) : await decodeFlac(bytes, name);
  if (audio.samples.length === 0) throw new UserError(`${name}: empty: the file holds no audio samples`);
  if (audio.sampleRate < MIN_SAMPLE_RATE) {
    throw new UserError(`${name}: sample rate ${audio.sampleRate} Hz is below the ${MIN_SAMPLE_RATE} Hz minimum`);
  }
  return audio;
}

function startsWith(bytes: Uint8Array, text: string, at = 0): boolean {
  if (bytes.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

function detectFormat(bytes: Uint8Array): 'wav' | 'flac' | undefined {
  // A cut-off header still counts as its format, so that the error says "truncated" rather than "not audio".
  const riff = ['RIFF', 'RIFX', 'RF64'].find((id) => startsWith(bytes, id.slice(0, bytes.length)));
  if (riff !== undefined && (bytes.length <= 8 || startsWith(bytes, 'WAVE'.slice(0, bytes.length - 8), 8))) {
    return 'wav';
  }
  if (startsWith(bytes, 'fLaC'.slice(0, bytes.length))) return 'flac';
  return undefined;
}

// WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT; WAVE_FORMAT_EXTENSIBLE names one of them in its sub-format GUID.
const PCM = 1;
const IEEE_FLOAT = 3;
const EXTENSIBLE = 0xfffe;

interface WavFmt {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  bitsPerSample: number;
  subformat?: number[];
}

function decodeWav(bytes: Uint8Array, name: string): Audio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bigEndian = startsWith(bytes, 'RIFX');
  // The RIFF size says how long the file should be (unless a streaming writer left it unknown: 0 or 0xFFFFFFFF).
  const riffSize = bytes.length >= 8 ? view.getUint32(4, !bigEndian) : undefined;
  const claimsMore = riffSize === undefined || (riffSize !== 0xffffffff && riffSize + 8 > bytes.length);
  let wav: InstanceType<typeof wavefile.WaveFile>;
  try {
    wav = new wavefile.WaveFile(bytes);
  } catch (err) {
    if (claimsMore) throw new UserError(`${name}: truncated WAV file (${bytes.length} bytes; the header is cut off)`);
    throw new UserError(`${name}: not a valid WAV file (${(err as Error).message})`);
  }
  const fmt = wav.fmt as WavFmt;
  const data = wav.data as { chunkSize: number; samples: Uint8Array };
  const channels = fmt.numChannels;
  const bits = fmt.bitsPerSample;
  const format = fmt.audioFormat === EXTENSIBLE ? (fmt.subformat?.[0] ?? 0) & 0xffff : fmt.audioFormat;
  const isFloat = format === IEEE_FLOAT && (bits === 32 || bits === 64);
  const isInt = format === PCM && (bits === 8 || bits === 16 || bits === 24 || bits === 32);
  if (!isFloat && !isInt) {
    const kind = format === PCM ? 'PCM' : format === IEEE_FLOAT ? 'float' : `format code ${format}`;
    throw new UserError(
      `${name}: unsupported WAV encoding (${kind}, ${bits}-bit); use PCM 8/16/24/32-bit or float 32/64-bit`,
    );
  }
  if (channels < 1) throw new UserError(`${name}: WAV file declares no channels`);
  const bytesPerSample = bits / 8;
  const frameBytes = bytesPerSample * channels;
  const have = data.samples.length;
  if (data.chunkSize !== 0xffffffff && data.chunkSize > have) {
    throw new UserError(`${name}: truncated WAV file (data chunk holds ${have} of ${data.chunkSize} bytes)`);
  }
  const frames = Math.floor(have / frameBytes);
  const samples = new Float32Array(frames);
  const pcm = new DataView(data.samples.buffer, data.samples.byteOffset, have);
  const le = !bigEndian;
  const read = sampleReader(pcm, bits, isFloat, le);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read(f * frameBytes + c * bytesPerSample);
    samples[f] = sum / channels;
  }
  return { samples, sampleRate: fmt.sampleRate };
}

// One sample at a byte offset, as a float in [−1, 1]: integers divided by 2^(bits−1), as Kaldi and sox scale them
// (so that 16-bit x / 32768 · 32768 gives Kaldi's integer back); floats clipped to [−1, 1], as int conversion would.
function sampleReader(view: DataView, bits: number, isFloat: boolean, le: boolean): (at: number) => number {
  const clip = (x: number) => Math.min(1, Math.max(-1, x));
  if (isFloat) {
    return bits === 32 ? (at) => clip(view.getFloat32(at, le)) : (at) => clip(view.getFloat64(at, le));
  }
  switch (bits) {
    case 8: // unsigned, centred on 128
      return (at) => (view.getUint8(at) - 128) / 128;
    case 16:
      return (at) => view.getInt16(at, le) / 32768;
    case 24:
      return le
        ? (at) => ((view.getInt8(at + 2) << 16) | (view.getUint8(at + 1) << 8) | view.getUint8(at)) / 8388608
        : (at) => ((view.getInt8(at) << 16) | (view.getUint8(at + 1) << 8) | view.getUint8(at + 2)) / 8388608;
    default:
      return (at) => view.getInt32(at, le) / 2147483648;
  }
}

interface StreamInfo {
  sampleRate: number;
  bitsPerSample: number;
  totalSamples: number; // 0 when the encoder did not know it
}

// The STREAMINFO block, which FLAC requires right after the "fLaC" marker; undefined when the file is cut short.
function readStreamInfo(bytes: Uint8Array): StreamInfo | undefined {
  if (bytes.length < 8 + 34) return undefined;
  const b = (i: number) => bytes[8 + i];
  return {
    sampleRate: (b(10) << 12) | (b(11) << 4) | (b(12) >> 4),
    bitsPerSample: (((b(12) & 0x01) << 4) | (b(13) >> 4)) + 1,
    totalSamples: (b(13) & 0x0f) * 2 ** 32 + ((b(14) << 24) >>> 0) + (b(15) << 16) + (b(16) << 8) + b(17),
  };
}

async function decodeFlac(bytes: Uint8Array, name: string): Promise<Audio> {
  const info = readStreamInfo(bytes);
  if (info === undefined) throw new UserError(`${name}: truncated FLAC file (${bytes.length} bytes; no stream header)`);
  const decoder = new FLACDecoder();
  let decoded: Awaited<ReturnType<FLACDecoder['decodeFile']>>;
  try {
    await decoder.ready;
    decoded = await decoder.decodeFile(bytes);
  } catch (err) {
    throw new UserError(`${name}: not a valid FLAC file (${(err as Error).message})`);
  } finally {
    decoder.free();
  }
  const { channelData, samplesDecoded, errors } = decoded;
  if (errors.length > 0) throw new UserError(`${name}: damaged FLAC file (${errors[0].message})`);
  if (info.totalSamples > 0 && samplesDecoded < info.totalSamples) {
    throw new UserError(
      `${name}: truncated or damaged FLAC file (decoded ${samplesDecoded} of ${info.totalSamples} samples)`,
    );
  }
  if (samplesDecoded === 0 || channelData.length === 0)
    return { samples: new Float32Array(0), sampleRate: info.sampleRate };
  // The decoder divides by 2^(bits−1) − 1; WAV here divides by 2^(bits−1). Recovering the integer first makes a FLAC
  // and the WAV it was made from decode to the same floats (exact up to 24 bits).
  const full = 2 ** (info.bitsPerSample - 1);
  const sum = new Float64Array(samplesDecoded);
  for (const channel of channelData) {
    for (let i = 0; i < samplesDecoded; i++) sum[i] += Math.round(channel[i] * (full - 1)) / full;
  }
  const samples = new Float32Array(samplesDecoded);
  for (let i = 0; i < samplesDecoded; i++) samples[i] = sum[i] / channelData.length;
  return { samples, sampleRate: decoded.sampleRate || info.sampleRate };
}

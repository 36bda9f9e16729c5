import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAudio } from '../../src/io/audio-file.js';
import { encodeWav16, readWavComment } from '../../src/speech/wav-write.js';

test('encodeWav16() writes 16-bit samples that readAudio reads back, with the comment readWavComment finds', async () => {
  const samples = Float32Array.from([0, 0.5, -0.5, 1, -1, 2]);
  const bytes = encodeWav16(samples, 16000, '{"text":"we"}');
  const audio = await decodeAudio(bytes, 'x.wav');
  assert.equal(audio.sampleRate, 16000);
  assert.deepEqual([...audio.samples], [0, 0.5, -0.5, 32767 / 32768, -1, 32767 / 32768]);
  assert.deepEqual(readWavComment(bytes), { comment: '{"text":"we"}', seconds: 6 / 16000 });
  assert.equal(readWavComment(encodeWav16(samples, 16000))?.comment, null);
  assert.equal(readWavComment(new Uint8Array([1, 2, 3])), null);
});

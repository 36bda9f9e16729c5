#!/usr/bin/python3
"""Regenerate the log-mel feature goldens for memsig's speech front end (run by hand; torchaudio is a reference,
never a dependency).

    /usr/bin/python3 scripts/fbank_golden.py [--fixtures test/fixtures/speech]

Reads the 8 kHz Free Spoken Digit Dataset clips in the fixtures directory, writes chirp-16k.wav there (a synthetic
16 kHz clip: a rising chirp plus noise, fixed seed), and writes fbank-golden.safetensors: one F32 tensor
(frames, bins) per (clip, case), the output of torchaudio.compliance.kaldi.fbank. The metadata entry "cases" is a
JSON list of {"tensor", "clip", "config"} where "config" holds memsig FbankConfig keys that differ from
defaultFbankConfig(); the test rebuilds each config from it.

Scaling: torchaudio gets the clip's int16 sample values as they are, which is what memsig's computeFbank does with
samples in [-1, 1] (it multiplies them by 32768, Kaldi's convention). Dither is 0 throughout.
Precision: torchaudio runs in float64 here (it computes in the waveform's dtype) and the result is stored as F32.
In float32 its FFT's rounding moves filters that sit 90 dB below a frame's peak by up to 1e-3 (the chirp's low
bins), which would test torch's rounding rather than the algorithm; memsig computes in float64.
The output is deterministic (fixed seed, one thread).
"""

import os
import sys

os.environ['OMP_NUM_THREADS'] = '1'
os.environ['OPENBLAS_NUM_THREADS'] = '1'
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import argparse  # noqa: E402
import json  # noqa: E402
import wave  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchaudio  # noqa: E402

from torch_safetensors import save_file  # noqa: E402

torch.set_num_threads(1)

FSDD_CLIPS = ['3_jackson_0.wav', '7_theo_1.wav', '2_george_5.wav']
CHIRP = 'chirp-16k.wav'
CHIRP_RATE = 16000
CHIRP_SEED = 20240701

# memsig FbankConfig key -> torchaudio.compliance.kaldi.fbank keyword.
KWARGS = {
    'melBins': 'num_mel_bins',
    'frameLengthMs': 'frame_length',
    'frameShiftMs': 'frame_shift',
    'preemphasis': 'preemphasis_coefficient',
    'window': 'window_type',
    'removeDcOffset': 'remove_dc_offset',
    'lowFreq': 'low_freq',
    'highFreq': 'high_freq',
    'snipEdges': 'snip_edges',
    'usePower': 'use_power',
    'useEnergy': 'use_energy',
    'energyFloor': 'energy_floor',
    'roundToPowerOfTwo': 'round_to_power_of_two',
}

# memsig's defaults that differ from torchaudio's (its num_mel_bins is 23, its energy_floor 1.0).
BASE = {'melBins': 40, 'energyFloor': 0.0}

EVERY_CLIP = [('mel40', {}), ('mel80', {'melBins': 80})]
# Each option away from its default, on one 8 kHz and the 16 kHz clip.
VARIANTS = [
    ('hamming', {'window': 'hamming'}),
    ('hanning', {'window': 'hanning'}),
    ('no-snip-edges', {'snipEdges': False}),
    ('energy-floored', {'useEnergy': True, 'energyFloor': 1e6}),
    ('energy', {'useEnergy': True}),
    ('band', {'lowFreq': 64, 'highFreq': -400, 'melBins': 23}),
    ('magnitude', {'usePower': False}),
    ('raw-frames', {'removeDcOffset': False, 'preemphasis': 0.0}),
    ('exact-fft', {'frameLengthMs': 32, 'frameShiftMs': 16, 'roundToPowerOfTwo': False}),
]
VARIANT_CLIPS = ['7_theo_1.wav', CHIRP]


def read_int16_wav(path):
    with wave.open(path, 'rb') as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2, path
        rate = w.getframerate()
        values = np.frombuffer(w.readframes(w.getnframes()), dtype='<i2')
    return values.astype(np.float64), rate


def write_chirp(path):
    """0.6 s: a linear chirp 150 Hz -> 7.5 kHz under a slow swell, plus white noise, as 16-bit PCM."""
    rng = np.random.default_rng(CHIRP_SEED)
    n = int(0.6 * CHIRP_RATE)
    t = np.arange(n) / CHIRP_RATE
    f0, f1, dur = 150.0, 7500.0, n / CHIRP_RATE
    phase = 2 * np.pi * (f0 * t + 0.5 * (f1 - f0) / dur * t * t)
    envelope = 0.25 + 0.2 * np.sin(2 * np.pi * 2.5 * t)
    x = envelope * np.sin(phase) + 0.01 * rng.standard_normal(n)
    ints = np.clip(np.round(x * 32767), -32768, 32767).astype('<i2')
    with wave.open(path, 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(CHIRP_RATE)
        w.writeframes(ints.tobytes())


def fbank(values, rate, config):
    kwargs = {KWARGS[k]: v for k, v in {**BASE, **config}.items()}
    wav = torch.from_numpy(values).unsqueeze(0)
    return torchaudio.compliance.kaldi.fbank(wav, sample_frequency=float(rate), dither=0.0, **kwargs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--fixtures', default='test/fixtures/speech')
    args = parser.parse_args()
    write_chirp(os.path.join(args.fixtures, CHIRP))
    tensors, cases = {}, []
    for clip in FSDD_CLIPS + [CHIRP]:
        values, rate = read_int16_wav(os.path.join(args.fixtures, clip))
        todo = EVERY_CLIP + (VARIANTS if clip in VARIANT_CLIPS else [])
        for case, config in todo:
            name = f'{clip}/{case}'
            tensors[name] = fbank(values, rate, config).to(torch.float32)
            cases.append({'tensor': name, 'clip': clip, 'config': config})
    meta = {'cases': json.dumps(cases), 'torchaudio': torchaudio.__version__, 'torch': torch.__version__}
    out = os.path.join(args.fixtures, 'fbank-golden.safetensors')
    save_file(tensors, out, metadata=meta)
    print(f'wrote {out}: {len(tensors)} tensors, {os.path.getsize(out)} bytes')


if __name__ == '__main__':
    main()

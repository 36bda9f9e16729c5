#!/usr/bin/python3
"""Write a tiny LAS model directory made by PyTorch (run by hand; PyTorch is a reference, never a dependency).

    /usr/bin/python3 scripts/las_model_dir.py [--out test/fixtures/golden/las-model-dir]

A location-aware LAS with a CTC head, built by scripts/las_reference.py and trained for a few Adam steps on random
features (so its weights are not an initialization anywhere), saved the way a user of the reference would save it:
model.safetensors is the module's state_dict as it is, config.json is "kind": "las" with the network, the graphemes
and the default fbank settings (data and training unknown: null). Beside them, check.safetensors holds a batch and
PyTorch's outputs on it (loss, attention and CTC losses, logits) for memsig to reproduce after loading the directory.
Deterministic (fixed seeds, one thread).
"""

import os
import sys

os.environ['OMP_NUM_THREADS'] = '1'
os.environ['OPENBLAS_NUM_THREADS'] = '1'
os.environ['MKL_NUM_THREADS'] = '1'
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import argparse  # noqa: E402
import json  # noqa: E402

import torch  # noqa: E402

from las_golden import memsig_config  # noqa: E402
from las_reference import build  # noqa: E402
from torch_safetensors import save_file  # noqa: E402

torch.set_num_threads(1)
LAS = build(torch)

GRAPHEMES = list('abcdefghijklmnopqrstuvwxyz#\'. ')
CONFIG = dict(features=40, stack=2, listener_layers=2, pyramid_layers=1, listener_units=6, alphabet=len(GRAPHEMES),
              embed=4, speller_layers=1, speller_units=8, attention=5, location=dict(filters=2, kernel=3),
              output_hidden=7, label_smoothing=0.1, ctc_weight=0.3)
FBANK = dict(melBins=40, frameLengthMs=25, frameShiftMs=10, preemphasis=0.97, window='povey', removeDcOffset=True,
             lowFreq=20, highFreq=0, snipEdges=True, usePower=True, useEnergy=False, energyFloor=0,
             roundToPowerOfTwo=True)
FRAMES = [40, 33, 24]
TRANSCRIPTS = [[7, 8, 29, 0], [3, 14], [25]]


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--out', default=os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'golden',
                                                 'las-model-dir'))
    out = p.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(7)
    model = LAS(CONFIG)
    T, B = max(FRAMES), len(FRAMES)
    gen = torch.Generator().manual_seed(8)
    features = torch.randn(T, B, CONFIG['features'], generator=gen)
    frames = torch.tensor(FRAMES, dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(3):
        opt.zero_grad()
        model(features, frames, TRANSCRIPTS)['loss'].backward()
        opt.step()
    with torch.no_grad():
        result = model(features, frames, TRANSCRIPTS)
    save_file({k: v for k, v in model.state_dict().items()}, os.path.join(out, 'model.safetensors'),
              metadata={'format': 'pt'})
    config = dict(format='memsig-model', version=1, kind='las', las=memsig_config(CONFIG), graphemes=GRAPHEMES,
                  features=dict(sampleRate=16000, fbank=FBANK, cmvn='utterance'), data=None, training=None,
                  metrics=dict(devCer=None, devCtcCer=None, evalCer=None, evalWer=None, evalCtcCer=None,
                               decoding=None))
    with open(os.path.join(out, 'config.json'), 'w') as f:
        json.dump(config, f, indent=2)
        f.write('\n')
    save_file({
        'features': features, 'frames': frames.to(torch.int32),
        'transcript_lengths': torch.tensor([len(t) for t in TRANSCRIPTS], dtype=torch.int32),
        'transcripts': torch.tensor([s for t in TRANSCRIPTS for s in t], dtype=torch.int32),
        'loss': result['loss'].reshape(1), 'attention_loss': result['attention_loss'].reshape(1),
        'ctc_loss': result['ctc_loss'].reshape(1), 'logits': result['logits'],
    }, os.path.join(out, 'check.safetensors'))
    print(f'wrote {out}: loss {float(result["loss"]):.6f}')


if __name__ == '__main__':
    main()

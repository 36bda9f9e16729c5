#!/usr/bin/python3
"""Write memsig's Listen-Attend-Spell goldens (run by hand; PyTorch is a reference, never a dependency).

    /usr/bin/python3 scripts/las_golden.py [--out test/fixtures/golden/las]

For each case (content or location-aware attention, with or without joint CTC) a tiny LAS of
scripts/las_reference.py with uniform(-0.5, 0.5) weights reads a batch of 3 utterances of different lengths (the
padding filled with large values, so that any leak shows) and the script writes, as <case>.safetensors: every
parameter (state_dict names), the batch, PyTorch's logits, attention weights, losses, every parameter's gradient,
every listener layer's h and c and every speller layer's h and c. Before writing, it checks that the packed and the
split bidirectional forms agree (outputs and every gradient) and that a float64 per-utterance reference written with
the gate equations gives the listener's states (h and c, both directions). Also writes README.md. Deterministic
(fixed seeds, one thread).
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

from las_reference import build  # noqa: E402
from torch_safetensors import save_file  # noqa: E402

torch.set_num_threads(1)
LAS = build(torch)

BASE = dict(features=5, stack=1, listener_layers=3, pyramid_layers=2, listener_units=4, alphabet=6, embed=3,
            speller_layers=1, speller_units=5, attention=4, location=None, output_hidden=6, label_smoothing=0.1,
            ctc_weight=0.0)
CASES = {
    'content': dict(seed=101, config=dict(BASE), T=16, frames=[16, 13, 9]),
    'content-ctc': dict(seed=102, config=dict(BASE, ctc_weight=0.3), T=16, frames=[16, 13, 9]),
    'location': dict(seed=103, config=dict(BASE, stack=2, speller_layers=2, location=dict(filters=3, kernel=5)),
                     T=32, frames=[32, 26, 17]),
    'location-ctc': dict(seed=104, config=dict(BASE, stack=2, speller_layers=2, location=dict(filters=3, kernel=5),
                                               ctc_weight=0.3), T=32, frames=[32, 26, 17]),
}
# Listener frames per utterance after the time reduction: 4, 3, 2 in every case.
TRANSCRIPTS = [[3, 0, 5], [1, 1], [4]]


def memsig_config(c):
    """The LasConfig of memsig (camelCase keys) for a reference config."""
    return dict(features=c['features'], stack=c['stack'], listenerLayers=c['listener_layers'],
                pyramidLayers=c['pyramid_layers'], listenerUnits=c['listener_units'], alphabet=c['alphabet'],
                embed=c['embed'], spellerLayers=c['speller_layers'], spellerUnits=c['speller_units'],
                attention=c['attention'], location=c['location'], outputHidden=c['output_hidden'],
                labelSmoothing=c['label_smoothing'], ctcWeight=c['ctc_weight'])


def check_close(name, a, b, atol):
    err = (a.detach().double() - b.detach().double()).abs().max().item()
    if not err <= atol:
        raise AssertionError(f'{name}: max abs difference {err} > {atol}')


def lstm_states_f64(x, w_ih, w_hh, b_ih, b_hh):
    """The gate equations (i, f, g, o) in float64 over x (n, I) from zero state: h and c (n, H)."""
    H = w_hh.shape[1]
    h = torch.zeros(H, dtype=torch.float64)
    c = torch.zeros(H, dtype=torch.float64)
    hs, cs = [], []
    for t in range(x.shape[0]):
        g = w_ih @ x[t] + b_ih + w_hh @ h + b_hh
        i, f, gg, o = (g[j * H:(j + 1) * H] for j in range(4))
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(gg)
        h = torch.sigmoid(o) * torch.tanh(c)
        hs.append(h)
        cs.append(c)
    return torch.stack(hs), torch.stack(cs)


def listener_states_f64(model, features, frames):
    """Per layer, (h, c) (T_k, B, 2H) in float64, utterance by utterance, each direction from the gate equations."""
    c = model.c
    x = features.detach().double()
    lengths = frames.clone()

    def concat(x, lengths, k):
        T, B, D = x.shape
        Tk = T // k
        return x[:Tk * k].reshape(Tk, k, B, D).permute(0, 2, 1, 3).reshape(Tk, B, k * D), lengths // k

    if c['stack'] > 1:
        x, lengths = concat(x, lengths, c['stack'])
    out = []
    for k, lstm in enumerate(model.listener.layers):
        if model.listener.pyramid[k]:
            x, lengths = concat(x, lengths, 2)
        T, B, _ = x.shape
        H = lstm.hidden_size
        h = torch.zeros(T, B, 2 * H, dtype=torch.float64)
        cc = torch.zeros(T, B, 2 * H, dtype=torch.float64)
        for b in range(B):
            n = int(lengths[b])
            for d, suffix in ((0, ''), (1, '_reverse')):
                w = [getattr(lstm, f'{p}_l0{suffix}').detach().double()
                     for p in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh')]
                seq = x[:n, b] if d == 0 else x[:n, b].flip(0)
                hs, cs = lstm_states_f64(seq, *w)
                if d == 1:
                    hs, cs = hs.flip(0), cs.flip(0)
                h[:n, b, d * H:(d + 1) * H] = hs
                cc[:n, b, d * H:(d + 1) * H] = cs
        out.append((h, cc, lengths))
        x = h
    return out


def make_case(name, spec):
    c = spec['config']
    torch.manual_seed(spec['seed'])
    model = LAS(c, 'packed')
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-0.5, 0.5)
    split = LAS(c, 'split')
    split.load_state_dict(model.state_dict())
    T, B = spec['T'], len(spec['frames'])
    frames = torch.tensor(spec['frames'], dtype=torch.long)
    gen = torch.Generator().manual_seed(spec['seed'])
    features = torch.randn(T, B, c['features'], generator=gen)
    for b in range(B):
        features[frames[b]:, b] = 6.0 + torch.randn(T - int(frames[b]), c['features'], generator=gen)

    out = model(features, frames, TRANSCRIPTS)
    model.zero_grad()
    out['loss'].backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}

    out_split = split(features, frames, TRANSCRIPTS)
    split.zero_grad()
    out_split['loss'].backward()
    check_close(f'{name}: split vs packed loss', out_split['loss'], out['loss'], 1e-6)
    check_close(f'{name}: split vs packed logits', out_split['logits'], out['logits'], 1e-5)
    for n, p in split.named_parameters():
        check_close(f'{name}: split vs packed grad {n}', p.grad, grads[n], 1e-5)

    reference = listener_states_f64(model, features, frames)
    tensors = {}
    for k, ((h, lengths), (h64, c64, len64)) in enumerate(zip(out['layers'], reference)):
        check_close(f'{name}: listener h of layer {k} vs the gate equations', h, h64, 1e-5)
        assert torch.equal(lengths, len64)
        tensors[f'listener.h.l{k}'] = h.detach()
        tensors[f'listener.c.l{k}'] = c64.float()
        tensors[f'listener.lengths.l{k}'] = lengths
    for j in range(c['speller_layers']):
        tensors[f'speller.h.l{j}'] = out['speller_h'][:, j].detach()
        tensors[f'speller.c.l{j}'] = out['speller_c'][:, j].detach()
    for n, p in model.state_dict().items():
        tensors[n] = p
        tensors[f'grad.{n}'] = grads[n]
    tensors['features'] = features
    tensors['frames'] = frames
    tensors['transcripts'] = torch.tensor([s for t in TRANSCRIPTS for s in t], dtype=torch.long)
    tensors['transcript_lengths'] = torch.tensor([len(t) for t in TRANSCRIPTS], dtype=torch.long)
    tensors['logits'] = out['logits'].detach()
    tensors['weights'] = out['weights'].detach()
    tensors['targets'] = out['targets']
    tensors['loss'] = out['loss'].detach()
    tensors['attention_loss'] = out['attention_loss'].detach()
    if 'ctc_loss' in out:
        tensors['ctc_loss'] = out['ctc_loss'].detach()
    metadata = {'config': json.dumps(memsig_config(c), sort_keys=True), 'torch': torch.__version__.split('+')[0]}
    return tensors, metadata, float(out['loss'])


def make_ctc_case():
    """F.ctc_loss alone on raw logits (log_softmax applied first): per-utterance losses and, for 'mean' and 'sum',
    the gradient with respect to the logits. Utterance 3 is too short for its label (it needs a blank between the
    repeats): Infinity, or 0 with zero_infinity."""
    F = torch.nn.functional
    gen = torch.Generator().manual_seed(7)
    T, B, C = 7, 4, 5
    logits = (torch.randn(T, B, C, generator=gen) * 2).requires_grad_(True)
    lengths = torch.tensor([7, 5, 6, 2], dtype=torch.long)
    labels = [[1, 2, 2], [3], [4, 1, 4, 1], [2, 2]]
    flat = torch.tensor([s for t in labels for s in t], dtype=torch.long)
    label_len = torch.tensor([len(t) for t in labels], dtype=torch.long)
    tensors = {'logits': logits.detach().clone(), 'input_lengths': lengths, 'targets': flat,
               'target_lengths': label_len}
    lp = lambda: F.log_softmax(logits, -1)  # noqa: E731
    tensors['loss_none'] = F.ctc_loss(lp(), flat, lengths, label_len, reduction='none').detach()
    for reduction in ('mean', 'sum'):
        loss = F.ctc_loss(lp(), flat, lengths, label_len, reduction=reduction, zero_infinity=True)
        logits.grad = None
        loss.backward()
        tensors[f'loss_{reduction}'] = loss.detach()
        tensors[f'grad_{reduction}'] = logits.grad.clone()
    return tensors


README = """# Listen-Attend-Spell goldens

Generated by `/usr/bin/python3 scripts/las_golden.py` (PyTorch {torch}, float32, one thread, fixed seeds). Do not
edit by hand. The model is scripts/las_reference.py's `LAS` (its docstring states the maths and the conventions);
every parameter drawn from uniform(-0.5, 0.5).

| file | attention | stack | speller layers | CTC weight λ |
|---|---|---|---|---|
| `content.safetensors` | content | 1 | 1 | 0 (no `ctc.*`) |
| `content-ctc.safetensors` | content | 1 | 1 | 0.3 |
| `location.safetensors` | location-aware, 3 filters, kernel 5 | 2 | 2 | 0 |
| `location-ctc.safetensors` | location-aware, 3 filters, kernel 5 | 2 | 2 | 0.3 |

All cases: 5 features, 3 BLSTM layers × 4 units per direction (the top two pyramid), alphabet 6 (V = 8 with <sos>,
<eos>), embedding 3, speller 5 units, attention 4, output MLP 6 hidden units, label smoothing 0.1. Batch of B = 3
utterances of T = 16 frames (lengths 16, 13, 9) or, with stacking, T = 32 (32, 26, 17): 4, 3 and 2 listener frames;
transcripts {transcripts} (alphabet ids). The padding beyond each length holds values around 6, so a leak would show.

Metadata: `config` (memsig's LasConfig as JSON), `torch`. Tensors (sorted, no gaps; a reader must copy):

| name | dtype | shape | content |
|---|---|---|---|
| parameters | F32 | | state_dict names (see las_reference.py) |
| `grad.<param>` | F32 | as the parameter | d loss / d param |
| `features` | F32 | (T, B, 5) | time-major |
| `frames`, `transcript_lengths` | I64 | (B) | |
| `transcripts` | I64 | (Σ lengths) | concatenated |
| `logits` | F32 | (L, B, 8) | L = 4 (longest transcript + <eos>) |
| `weights` | F32 | (L, B, U) | attention weights, U = 4 |
| `targets` | I64 | (L, B) | -1 beyond <eos> |
| `loss`, `attention_loss`, `ctc_loss` (with CTC) | F32 | () | λ·CTC + (1 − λ)·CE; CE; CTC ('mean') |
| `listener.h.l{{k}}`, `listener.c.l{{k}}` | F32 | (T_k, B, 8) | [fwd; bwd], zero beyond each length |
| `listener.lengths.l{{k}}` | I64 | (B) | |
| `speller.h.l{{j}}`, `speller.c.l{{j}}` | F32 | (L, B, 5) | the top layer's h is the query q_i |

`ctc.safetensors`: `F.ctc_loss(F.log_softmax(logits, -1), …)` alone on `logits` (T = 7, B = 4, C = 5, blank 0),
`input_lengths` (7, 5, 6, 2), concatenated `targets` with `target_lengths` (3, 1, 4, 2; utterance 3 cannot be aligned
in 2 frames): `loss_none` (per utterance, Infinity for the last), and with zero_infinity `loss_mean`, `grad_mean`,
`loss_sum`, `grad_sum` (gradients with respect to the logits).

The packed and the split bidirectional forms were checked to agree (≤ 1e-5, outputs and every gradient), and the
listener h against the gate equations in float64 per utterance (≤ 1e-5), whence `listener.c.l{{k}}`. Compare at 1e-4.
"""


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', default=os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'golden', 'las'))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for name, spec in CASES.items():
        tensors, metadata, loss = make_case(name, spec)
        save_file(tensors, os.path.join(a.out, f'{name}.safetensors'), metadata)
        print(f'{name}: loss {loss:.6f}, {len(tensors)} tensors')
    save_file(make_ctc_case(), os.path.join(a.out, 'ctc.safetensors'), {'torch': torch.__version__.split('+')[0]})
    with open(os.path.join(a.out, 'README.md'), 'w') as f:
        f.write(README.format(torch=torch.__version__.split('+')[0], transcripts=TRANSCRIPTS))


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Regenerate memsig's PyTorch golden fixtures (run by hand; PyTorch is a reference, never a dependency).

    /usr/bin/python3 scripts/make_goldens.py [--out test/fixtures/golden]

Writes (see test/fixtures/golden/README.md, also written by this script):
  lstm.safetensors, gru.safetensors      forward/backward goldens of a tiny 2-layer char LM
  factorized-lstm.safetensors            the same for the factorized-kernel LSTM LM (factorized_golden.py)
  pytorch-gru-model/                     a model directory made by PyTorch (model.safetensors, config.json,
                                         expected.json) for checking `memsig eval` on a foreign model
The output is byte-for-byte deterministic (fixed seeds, one thread).
"""

import os
import sys

# Thread settings must precede the numpy/torch imports (OpenBLAS reads them at load time).
os.environ['OMP_NUM_THREADS'] = '1'
os.environ['OPENBLAS_NUM_THREADS'] = '1'
os.environ['MKL_NUM_THREADS'] = '1'
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from factorized_golden import README_SECTION as FACTORIZED_README  # noqa: E402
from factorized_golden import make_factorized_golden  # noqa: E402
from torch_safetensors import load_file, save_file  # noqa: E402

torch.set_num_threads(1)

V, E, H, L, T, B = 7, 5, 4, 2, 6, 3
SEEDS = {'lstm': 20240611, 'gru': 20240612}
MODEL_SEED = 20240613

DEFAULT_ALPHABET = list('abcdefghijklmnopqrstuvwxyz') + ['#', "'", '.', ' ']
EVAL_TEXT = "the quick brown fox jumps over the lazy dog. it's #1."
# Training text for the model-directory fixture (a short, fixed paragraph; normalized like any corpus).
TRAIN_TEXT = (
    "The quick brown fox jumps over the lazy dog. It's a sentence that uses every letter. "
    "Mr. Speaker, the state of our union is strong. We the people of the United States, "
    "in order to form a more perfect union, establish justice and insure domestic tranquility. "
    "In 1999 there were 42 states at the table; it's now the year 2024. "
    "The dog sleeps. The fox runs over the hill and the dog does not follow it. "
)


class CharLm(nn.Module):
    """embed -> rnn (time-major) -> proj, with PyTorch's module names (the checkpoint format)."""

    def __init__(self, cell, vocab, embed, units, layers, dropout=0.0):
        super().__init__()
        self.cell = cell
        self.embed = nn.Embedding(vocab, embed)
        rnn_cls = nn.LSTM if cell == 'lstm' else nn.GRU
        self.rnn = rnn_cls(embed, units, num_layers=layers, dropout=dropout)
        self.proj = nn.Linear(units, vocab)

    def zero_state(self, batch):
        h = torch.zeros(self.rnn.num_layers, batch, self.rnn.hidden_size)
        return (h, h.clone()) if self.cell == 'lstm' else h

    def forward(self, ids, state):
        out, state = self.rnn(self.embed(ids), state)
        return self.proj(out), state


def mask_state(state, keep):
    """Multiply the state by keep (B,) = 1 - reset: h (and c) of every layer."""
    k = keep.view(1, -1, 1)
    if isinstance(state, tuple):
        return tuple(s * k for s in state)
    return state * k


def forward_with_resets(model, ids, resets, state):
    """Per-step loop over length-1 slices; the state is zeroed where resets[t] == 1 just before step t."""
    x = model.embed(ids)
    outs = []
    for t in range(ids.shape[0]):
        state = mask_state(state, 1.0 - resets[t].to(torch.float32))
        o, state = model.rnn(x[t:t + 1], state)
        outs.append(o)
    return model.proj(torch.cat(outs, 0)), state


def ce_loss(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1)


# ---------------------------------------------------------------------------------------------
# Independent references for the per-layer states.


def cell_states(model, ids, resets):
    """Step nn.LSTMCell / nn.GRUCell (sharing the stacked module's weights) layer by layer and step by
    step; returns per-layer lists of h (T,B,H) and, for the LSTM, c (T,B,H)."""
    rnn = model.rnn
    hs, cs = [], []
    x = model.embed(ids)
    Tn, Bn = ids.shape
    for k in range(rnn.num_layers):
        in_size = rnn.input_size if k == 0 else rnn.hidden_size
        cell = (nn.LSTMCell if model.cell == 'lstm' else nn.GRUCell)(in_size, rnn.hidden_size)
        with torch.no_grad():
            cell.weight_ih.copy_(getattr(rnn, f'weight_ih_l{k}'))
            cell.weight_hh.copy_(getattr(rnn, f'weight_hh_l{k}'))
            cell.bias_ih.copy_(getattr(rnn, f'bias_ih_l{k}'))
            cell.bias_hh.copy_(getattr(rnn, f'bias_hh_l{k}'))
        h = torch.zeros(Bn, rnn.hidden_size)
        c = torch.zeros(Bn, rnn.hidden_size)
        h_seq, c_seq = [], []
        for t in range(Tn):
            keep = (1.0 - resets[t].to(torch.float32)).view(-1, 1)
            h, c = h * keep, c * keep
            if model.cell == 'lstm':
                h, c = cell(x[t], (h, c))
                c_seq.append(c)
            else:
                h = cell(x[t], h)
            h_seq.append(h)
        hs.append(torch.stack(h_seq))
        if model.cell == 'lstm':
            cs.append(torch.stack(c_seq))
        x = hs[-1]
    return hs, cs


def formula_states(model, ids, resets):
    """The gate equations written out in float64 (PyTorch's gate order: LSTM i,f,g,o; GRU r,z,n).
    Documents the semantics the TS engine implements and checks the torch cells against them."""
    rnn = model.rnn
    Hn = rnn.hidden_size
    x = model.embed.weight.detach().double()[ids]
    hs, cs = [], []
    for k in range(rnn.num_layers):
        w_ih = getattr(rnn, f'weight_ih_l{k}').detach().double()
        w_hh = getattr(rnn, f'weight_hh_l{k}').detach().double()
        b_ih = getattr(rnn, f'bias_ih_l{k}').detach().double()
        b_hh = getattr(rnn, f'bias_hh_l{k}').detach().double()
        h = torch.zeros(ids.shape[1], Hn, dtype=torch.float64)
        c = torch.zeros_like(h)
        h_seq, c_seq = [], []
        for t in range(ids.shape[0]):
            keep = (1.0 - resets[t].double()).view(-1, 1)
            h, c = h * keep, c * keep
            gi = x[t] @ w_ih.T + b_ih
            gh = h @ w_hh.T + b_hh
            if model.cell == 'lstm':
                g = gi + gh
                i, f, gg, o = (g[:, j * Hn:(j + 1) * Hn] for j in range(4))
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(gg)
                h = torch.sigmoid(o) * torch.tanh(c)
                c_seq.append(c)
            else:
                r = torch.sigmoid(gi[:, :Hn] + gh[:, :Hn])
                z = torch.sigmoid(gi[:, Hn:2 * Hn] + gh[:, Hn:2 * Hn])
                n = torch.tanh(gi[:, 2 * Hn:] + r * gh[:, 2 * Hn:])
                h = (1 - z) * n + z * h
            h_seq.append(h)
        hs.append(torch.stack(h_seq))
        if model.cell == 'lstm':
            cs.append(torch.stack(c_seq))
        x = hs[-1]
    return hs, cs


def layerwise_states(model, ids):
    """Run each layer as its own single-layer nn.LSTM/nn.GRU sharing the weights (no resets)."""
    rnn = model.rnn
    x = model.embed(ids)
    hs = []
    for k in range(rnn.num_layers):
        in_size = rnn.input_size if k == 0 else rnn.hidden_size
        single = (nn.LSTM if model.cell == 'lstm' else nn.GRU)(in_size, rnn.hidden_size, num_layers=1)
        with torch.no_grad():
            for p in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'):
                getattr(single, f'{p}_l0').copy_(getattr(rnn, f'{p}_l{k}'))
        x, _ = single(x)
        hs.append(x)
    return hs


def check_close(name, a, b, atol):
    a = a.detach().double()
    b = b.detach().double()
    err = (a - b).abs().max().item()
    if not err <= atol:
        raise AssertionError(f'{name}: max abs difference {err} > {atol}')


# ---------------------------------------------------------------------------------------------


def golden_case(model, ids, targets, resets, prefix, out):
    """Forward + backward one batch; adds every golden tensor of the case to `out` under `prefix`."""
    model.zero_grad(set_to_none=True)
    state0 = model.zero_state(ids.shape[1])
    if resets is None:
        logits, state = model(ids, state0)
        step_resets = torch.zeros_like(ids, dtype=torch.uint8)
    else:
        logits, state = forward_with_resets(model, ids, resets, state0)
        step_resets = resets
    loss = ce_loss(logits, targets)
    loss.backward()

    with torch.no_grad():
        hs, cs = cell_states(model, ids, step_resets)
        fhs, fcs = formula_states(model, ids, step_resets)
        for k in range(L):
            check_close(f'{prefix}hidden.l{k} cell vs formula', hs[k], fhs[k], 1e-5)
            if cs:
                check_close(f'{prefix}cell.l{k} cell vs formula', cs[k], fcs[k], 1e-5)
        # Stacked module (or per-step loop) against the stepped cells.
        check_close(f'{prefix}logits', logits, model.proj(hs[-1]), 1e-5)
        h_n = state[0] if isinstance(state, tuple) else state
        for k in range(L):
            check_close(f'{prefix}h_n l{k}', h_n[k], hs[k][-1], 1e-5)
            if cs:
                check_close(f'{prefix}c_n l{k}', state[1][k], cs[k][-1], 1e-5)
        if resets is None:
            for k, h in enumerate(layerwise_states(model, ids)):
                check_close(f'{prefix}layerwise l{k}', h, hs[k], 1e-6)
        # Loss by hand: mean of -log softmax over the targets that are not -1.
        lp = torch.log_softmax(logits.double(), -1)
        keep = targets != -1
        manual = -lp[keep.nonzero(as_tuple=True) + (targets[keep],)].mean()
        check_close(f'{prefix}loss', loss, manual, 1e-6)

    out[f'{prefix}inputs'] = ids.to(torch.int64)
    out[f'{prefix}targets'] = targets.to(torch.int64)
    if resets is not None:
        out[f'{prefix}resets'] = resets.to(torch.uint8)
    out[f'{prefix}logits'] = logits.detach()
    out[f'{prefix}loss'] = loss.detach().reshape(())
    for name, p in model.named_parameters():
        out[f'{prefix}grad.{name}'] = p.grad.detach().clone()
    for k in range(L):
        out[f'{prefix}hidden.l{k}'] = hs[k]
        if cs:
            out[f'{prefix}cell.l{k}'] = cs[k]
    return logits


def make_cell_golden(cell, path):
    torch.manual_seed(SEEDS[cell])
    model = CharLm(cell, V, E, H, L)
    with torch.no_grad():
        for _, p in model.named_parameters():
            p.uniform_(-0.5, 0.5)

    ids = torch.randint(0, V, (T, B))
    targets = torch.randint(0, V, (T, B))
    for t, b in ((0, 1), (3, 2), (5, 0)):
        targets[t, b] = -1

    r_ids = torch.randint(0, V, (T, B))
    r_targets = torch.randint(0, V, (T, B))
    for t, b in ((1, 0), (4, 1)):
        r_targets[t, b] = -1
    resets = torch.zeros(T, B, dtype=torch.uint8)
    for t, b in ((2, 0), (3, 1), (3, 2), (5, 0)):
        resets[t, b] = 1

    out = {name: p.detach().clone() for name, p in model.named_parameters()}
    out['h0'] = torch.zeros(L, B, H)
    if cell == 'lstm':
        out['c0'] = torch.zeros(L, B, H)
    golden_case(model, ids, targets, None, '', out)
    r_logits = golden_case(model, r_ids, r_targets, resets, 'reset.', out)
    # The resets must matter: without them the same inputs give different logits after step 2.
    with torch.no_grad():
        plain, _ = model(r_ids, model.zero_state(B))
        assert (plain[:2] - r_logits[:2]).abs().max().item() < 1e-6
        assert (plain[2:] - r_logits[2:]).abs().max().item() > 1e-3

    # Gates must be neither saturated nor trivial: report the range of the last-layer h.
    meta = {'cell': cell, 'layers': str(L), 'units': str(H), 'embed': str(E), 'vocab': str(V),
            'seq': str(T), 'batch': str(B)}
    save_file(out, path, meta)
    loaded, _ = load_file(path)
    for name, value in out.items():
        assert np.array_equal(loaded[name], value.detach().numpy()), name
    h_last = out[f'hidden.l{L - 1}']
    print(f'{path}: {len(out)} tensors, loss {out["loss"].item():.6f}, reset.loss '
          f'{out["reset.loss"].item():.6f}, |h| in [{h_last.abs().min().item():.3f}, '
          f'{h_last.abs().max().item():.3f}]')


# ---------------------------------------------------------------------------------------------


def normalize(text, alphabet, lowercase=True, digit_symbol='#', unknown='space', collapse=True):
    """Python mirror of the default normalization recorded in config.json."""
    allowed = set(alphabet)
    chars = []
    for ch in text:
        if lowercase:
            ch = ch.lower()
        if digit_symbol is not None and ch in '0123456789':
            ch = digit_symbol
        if ch not in allowed:
            if unknown == 'drop':
                continue
            ch = ' '
        chars.append(ch)
    s = ''.join(chars)
    if collapse:
        s = ' '.join(s.split())
    return s


def make_model_dir(dir_path):
    os.makedirs(dir_path, exist_ok=True)
    alphabet = DEFAULT_ALPHABET
    index = {ch: i for i, ch in enumerate(alphabet)}
    torch.manual_seed(MODEL_SEED)
    model = CharLm('gru', len(alphabet), 8, 16, 1)

    # A short, deterministic training run so the model is not uniform-ish.
    train_ids = torch.tensor([index[ch] for ch in normalize(TRAIN_TEXT, alphabet)], dtype=torch.int64)
    seq = 48
    n = (train_ids.numel() - 1) // seq
    x = train_ids[:n * seq].view(n, seq).T.contiguous()  # (seq, n) time-major
    y = train_ids[1:n * seq + 1].view(n, seq).T.contiguous()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(200):
        opt.zero_grad()
        logits, _ = model(x, model.zero_state(n))
        loss = ce_loss(logits, y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
    train_loss = loss.item()

    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(dir_path, 'model.safetensors'), {'format': 'pt'})

    config = {
        'format': 'memsig-model',
        'version': 1,
        'kind': 'char-lm',
        'cell': 'gru',
        'layers': 1,
        'units': 16,
        'embed': 8,
        'normalization': {
            'alphabet': alphabet,
            'lowercase': True,
            'digitSymbol': '#',
            'unknown': 'space',
            'collapseWhitespace': True,
        },
        'corpus': None,
        'training': None,
        'metrics': {'devPerplexity': None, 'evalPerplexity': None},
    }
    with open(os.path.join(dir_path, 'config.json'), 'w', encoding='utf-8') as f:
        f.write(json.dumps(config, indent=2) + '\n')

    norm = normalize(EVAL_TEXT, alphabet)
    ids = [index[ch] for ch in norm]
    inp = torch.tensor(ids[:-1], dtype=torch.int64).view(-1, 1)
    tgt = torch.tensor(ids[1:], dtype=torch.int64).view(-1, 1)
    with torch.no_grad():
        logits, _ = model(inp, model.zero_state(1))
        ce32 = ce_loss(logits, tgt).item()
        ce64 = F.cross_entropy(logits.double().view(-1, len(alphabet)), tgt.view(-1)).item()
    expected = {
        'text': EVAL_TEXT,
        'normalized': norm,
        'ids': ids,
        'predictions': len(ids) - 1,
        'crossEntropy': ce32,
        'perplexity': math.exp(ce32),
        'bitsPerChar': ce32 / math.log(2),
        'note': ('one segment, zero initial state, inputs ids[0..n-2], targets ids[1..n-1]; '
                 'crossEntropy is the float32 mean in nats computed by torch '
                 f'(float64 softmax of the same logits: {ce64!r}); training loss of the fixture: '
                 f'{train_loss:.4f}'),
    }
    with open(os.path.join(dir_path, 'expected.json'), 'w', encoding='utf-8') as f:
        f.write(json.dumps(expected, indent=2) + '\n')
    print(f'{dir_path}: train loss {train_loss:.4f}, eval "{norm}" -> CE {ce32:.6f} nats, '
          f'perplexity {math.exp(ce32):.4f}')


README = """\
# PyTorch golden fixtures

Generated by `/usr/bin/python3 scripts/make_goldens.py` (PyTorch {torch_version}, float32, one thread,
fixed seeds; rerunning gives identical bytes). Do not edit by hand. PyTorch is a reference only.

## `lstm.safetensors`, `gru.safetensors`

A character LM exactly as PyTorch builds it: `embed = nn.Embedding(V, E)` →
`rnn = nn.LSTM(E, H, num_layers=L)` / `nn.GRU(...)` (time-major, input (T, B, E), inter-layer dropout 0)
→ `proj = nn.Linear(H, V)`; `logits = proj(rnn(embed(ids))[0])`;
`loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), ignore_index=-1)` (mean over the
targets that are not -1). Sizes: V={V}, E={E}, H={H}, L={L}, T={T}, B={B}. Every parameter is drawn from
uniform(-0.5, 0.5). Gate order is PyTorch's (LSTM i,f,g,o; GRU r,z,n with
`n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`).

Metadata: `cell`, `layers`, `units`, `embed`, `vocab` (also `seq`, `batch`), all strings.
Tensors lie in sorted-name order with no gaps, so data offsets are not aligned to the element size
(`reset.resets` is U8, 18 bytes): a reader must copy, not make typed views at the raw offsets.

| name | dtype | shape | content |
|---|---|---|---|
| `embed.weight` | F32 | (V, E) | parameters, PyTorch names |
| `rnn.weight_ih_l{{k}}` | F32 | (G·H, E or H) | G = 4 (LSTM) or 3 (GRU) |
| `rnn.weight_hh_l{{k}}` | F32 | (G·H, H) | |
| `rnn.bias_ih_l{{k}}`, `rnn.bias_hh_l{{k}}` | F32 | (G·H) | |
| `proj.weight`, `proj.bias` | F32 | (V, H), (V) | |
| `h0` (and `c0` for the LSTM) | F32 | (L, B, H) | initial state, all zero |
| `inputs` | I64 | (T, B) | input ids |
| `targets` | I64 | (T, B) | target ids; -1 = ignored (3 entries) |
| `logits` | F32 | (T, B, V) | |
| `loss` | F32 | () | mean cross-entropy (nats) |
| `grad.<param>` | F32 | as the parameter | d loss / d param |
| `hidden.l{{k}}` | F32 | (T, B, H) | h_t of layer k after every step |
| `cell.l{{k}}` (LSTM only) | F32 | (T, B, H) | c_t of layer k after every step |
| `reset.inputs`, `reset.targets` | I64 | (T, B) | second case, same weights, other ids (2 targets are -1) |
| `reset.resets` | U8 | (T, B) | 1 = zero h and c of every layer of that column just before step t (only t > 0) |
| `reset.logits`, `reset.loss`, `reset.grad.<param>`, `reset.hidden.l{{k}}`, `reset.cell.l{{k}}` | | | as above, for the reset case |

Both cases start from the zero state. The reset case runs the stacked module one step at a time, the
state multiplied by `(1 - resets[t])` before step t. The per-layer states come from `nn.LSTMCell` /
`nn.GRUCell` stepping with the same weights and are checked (≤ 1e-5) against the stacked module's
outputs, against each layer run as its own single-layer module, and against the gate equations written
out in float64. Compare at 1e-4.

## `pytorch-gru-model/`

A model directory as memsig reads it, made by PyTorch: a GRU LM with V=30 (the default alphabet
`a`–`z`, `#`, `'`, `.`, space, in that id order), E=8, H=16, L=1, briefly trained on a fixed paragraph.

- `model.safetensors`: the PyTorch `state_dict` (names as above, F32, metadata `{{"format": "pt"}}`).
- `config.json`: a `CharLmConfig` (src/models/config.ts) with default normalization; `corpus`,
  `training` null; metrics null.
- `expected.json`: for `text` = "{eval_text}", normalized (`normalized`, `ids`) and evaluated as one
  segment (zero initial state, inputs ids[0..n-2], targets ids[1..n-1]): `crossEntropy` (mean, nats,
  float32 as torch computes it), `perplexity` = exp(crossEntropy), `bitsPerChar`.
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument('--out', default=os.path.join(root, 'test', 'fixtures', 'golden'))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for cell in ('lstm', 'gru'):
        make_cell_golden(cell, os.path.join(args.out, f'{cell}.safetensors'))
    make_factorized_golden(os.path.join(args.out, 'factorized-lstm.safetensors'))
    make_model_dir(os.path.join(args.out, 'pytorch-gru-model'))
    import factorized_golden as fg
    with open(os.path.join(args.out, 'README.md'), 'w', encoding='utf-8') as f:
        f.write(README.format(torch_version=torch.__version__, V=V, E=E, H=H, L=L, T=T, B=B,
                              eval_text=EVAL_TEXT))
        f.write(FACTORIZED_README.format(V=fg.V, E=fg.E, H=fg.H, L=fg.L, T=fg.T, B=fg.B))


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Perplexity-parity reference: train memsig's char LM in PyTorch on data prepared by memsig.

    /usr/bin/python3 scripts/torch_train.py DATA.safetensors [--threads 1] [--save-weights OUT.safetensors]

DATA.safetensors (written by memsig) holds
  train.inputs, train.targets, train.resets   (chunks, T, B), I32 or I64 (resets may also be U8)
  dev.inputs,   dev.targets,   dev.resets     (chunks, T, B)
and metadata (strings): cell, layers, units, embed, vocab, lr, batch, seq, steps, clip, seed, dropout.
Targets of -1 are ignored. resets[c, t, b] = 1 zeroes h (and c) of every layer of column b just
before step t (the state is multiplied by 1 - resets[t]).

Training: the model (embed -> nn.LSTM/nn.GRU, time-major -> proj; PyTorch default init after
torch.manual_seed(seed)) takes exactly `steps` Adam(lr) steps over the train chunks in order, cycling;
the state is carried, detached, from one chunk to the next (truncated BPTT) and zeroed at every wrap
back to chunk 0; loss = mean cross-entropy over targets != -1; clip_grad_norm_(clip) when clip > 0;
dropout is nn.LSTM/nn.GRU's inter-layer dropout (it has no effect with one layer).
Dev: eval mode, state starts at zero and is carried across dev chunks with the same reset semantics;
dev_loss = total cross-entropy / number of targets != -1.

Prints ONE JSON line: {"dev_loss": ..., "dev_perplexity": ..., "train_seconds": ..., ...}.

The reset semantics are those of a per-step loop (state *= 1 - resets[t] before step t); for speed the
stacked module is run over the longest spans of steps in which no column resets, which is the same
computation.
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
import time  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from torch_safetensors import load_file, save_file  # noqa: E402

META_TYPES = {
    'cell': str, 'layers': int, 'units': int, 'embed': int, 'vocab': int, 'lr': float, 'batch': int,
    'seq': int, 'steps': int, 'clip': float, 'seed': int, 'dropout': float,
}


class CharLm(nn.Module):
    def __init__(self, cell, vocab, embed, units, layers, dropout=0.0):
        super().__init__()
        self.cell = cell
        self.embed = nn.Embedding(vocab, embed)
        rnn_cls = nn.LSTM if cell == 'lstm' else nn.GRU
        self.rnn = rnn_cls(embed, units, num_layers=layers, dropout=dropout if layers > 1 else 0.0)
        self.proj = nn.Linear(units, vocab)

    def zero_state(self, batch):
        h = torch.zeros(self.rnn.num_layers, batch, self.rnn.hidden_size)
        return (h, h.clone()) if self.cell == 'lstm' else h

    def forward(self, ids, resets, state):
        """ids, resets: (T, B). Returns logits (T, B, V) and the final state."""
        x = self.embed(ids)
        keep = 1.0 - resets.to(torch.float32)
        # Steps where some column resets split the sequence into spans run in one call each.
        cuts = [t for t in range(ids.shape[0]) if bool(resets[t].any())]
        bounds = sorted(set([0] + cuts + [ids.shape[0]]))
        outs = []
        for s, e in zip(bounds[:-1], bounds[1:]):
            if s in cuts:
                state = mask_state(state, keep[s])
            o, state = self.rnn(x[s:e], state)
            outs.append(o)
        return self.proj(torch.cat(outs, 0)), state


def mask_state(state, keep):
    k = keep.view(1, -1, 1)
    if isinstance(state, tuple):
        return tuple(s * k for s in state)
    return state * k


def detach_state(state):
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def read_data(path):
    tensors, meta = load_file(path)
    cfg = {}
    for key, typ in META_TYPES.items():
        if key not in meta:
            raise SystemExit(f'{path}: metadata lacks "{key}"')
        cfg[key] = typ(meta[key])
    if cfg['cell'] not in ('lstm', 'gru'):
        raise SystemExit(f'{path}: cell must be lstm or gru, got {cfg["cell"]!r}')
    data = {}
    for split in ('train', 'dev'):
        shape = None
        for part in ('inputs', 'targets', 'resets'):
            name = f'{split}.{part}'
            if name not in tensors:
                raise SystemExit(f'{path}: missing tensor "{name}"')
            arr = tensors[name]
            if arr.ndim != 3:
                raise SystemExit(f'{path}: "{name}" must be (chunks, T, B), got {arr.shape}')
            if shape is None:
                shape = arr.shape
            elif arr.shape != shape:
                raise SystemExit(f'{path}: "{name}" has shape {arr.shape}, expected {shape}')
            data[name] = torch.from_numpy(arr.astype('int64'))
        if shape[0] == 0:
            raise SystemExit(f'{path}: no {split} chunks')
        if split == 'train' and (shape[1] != cfg['seq'] or shape[2] != cfg['batch']):
            print(f'warning: train chunks are (T={shape[1]}, B={shape[2]}) but metadata says seq='
                  f'{cfg["seq"]}, batch={cfg["batch"]}', file=sys.stderr)
        ids = data[f'{split}.inputs']
        tg = data[f'{split}.targets']
        if int(ids.min()) < 0 or int(ids.max()) >= cfg['vocab']:
            raise SystemExit(f'{path}: {split}.inputs outside [0, vocab)')
        if int(tg.min()) < -1 or int(tg.max()) >= cfg['vocab']:
            raise SystemExit(f'{path}: {split}.targets outside [-1, vocab)')
    return cfg, data


def summed_ce(logits, targets):
    """Sum of cross-entropy over targets != -1, and their count."""
    flat = targets.reshape(-1)
    total = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), flat, ignore_index=-1, reduction='sum')
    return total, int((flat != -1).sum())


def main():
    p = argparse.ArgumentParser(description='PyTorch perplexity-parity reference for memsig')
    p.add_argument('data', help='safetensors file of prepared data written by memsig')
    p.add_argument('--threads', type=int, default=1, choices=(1, 2), help='torch threads (OpenBLAS is 1)')
    p.add_argument('--save-weights', help='also write the trained state_dict as safetensors here')
    p.add_argument('--log-every', type=int, default=0, help='print the train loss to stderr every N steps')
    a = p.parse_args()
    torch.set_num_threads(a.threads)

    cfg, data = read_data(a.data)
    torch.manual_seed(cfg['seed'])
    model = CharLm(cfg['cell'], cfg['vocab'], cfg['embed'], cfg['units'], cfg['layers'], cfg['dropout'])
    opt = torch.optim.Adam(model.parameters(), lr=cfg['lr'])

    tr_in, tr_tg, tr_rs = data['train.inputs'], data['train.targets'], data['train.resets']
    chunks = tr_in.shape[0]
    state = model.zero_state(tr_in.shape[2])
    model.train()
    t0 = time.perf_counter()
    last_loss = float('nan')
    for step in range(cfg['steps']):
        c = step % chunks
        if c == 0:
            state = model.zero_state(tr_in.shape[2])
        opt.zero_grad()
        logits, state = model(tr_in[c], tr_rs[c], detach_state(state))
        total, count = summed_ce(logits, tr_tg[c])
        loss = total / max(count, 1)
        loss.backward()
        if cfg['clip'] > 0:
            nn.utils.clip_grad_norm_(model.parameters(), cfg['clip'])
        opt.step()
        last_loss = loss.item()
        if a.log_every and (step + 1) % a.log_every == 0:
            print(f'step {step + 1}: train loss {last_loss:.4f}', file=sys.stderr)
    train_seconds = time.perf_counter() - t0

    model.eval()
    dv_in, dv_tg, dv_rs = data['dev.inputs'], data['dev.targets'], data['dev.resets']
    state = model.zero_state(dv_in.shape[2])
    total, count = 0.0, 0
    with torch.no_grad():
        for c in range(dv_in.shape[0]):
            logits, state = model(dv_in[c], dv_rs[c], state)
            s, n = summed_ce(logits.double(), dv_tg[c])
            total += s.item()
            count += n
    dev_loss = total / count if count else float('nan')

    if a.save_weights:
        save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, a.save_weights,
                  {'format': 'pt'})
    print(json.dumps({
        'dev_loss': dev_loss,
        'dev_perplexity': math.exp(dev_loss) if count else None,
        'train_seconds': round(train_seconds, 3),
        'steps': cfg['steps'],
        'last_train_loss': last_loss,
        'dev_targets': count,
        'torch': torch.__version__,
    }), flush=True)


if __name__ == '__main__':
    main()

"""Offline experiment (PyTorch, reference only): can decoders learn faster per unit of compute if one hidden layer,
shared by the decoders of every δ, is trained first and each δ's decoder then fine-tunes a copy of it?

Reads what `node dist/bench/decoder-data-dump.js --dump-dir DIR …` wrote and prints dev accuracy every 500,000 rows:
  separate  each δ's own decoder (state → hidden ReLU → symbols), as memsig trains them
  trunk     one hidden layer with a softmax head per δ = 1..Δ, all trained together
  finetune  each δ's decoder started from the trunk and its head
Input as memsig's default: standardized, then ZCA-whitened (statistics from the first 32,768 train rows).
Adam, minibatch 256, the rate cut by 5 after 2/3 and again after 5/6 of the rows. One thread.

  /usr/bin/python3 scripts/multitask_decoders.py DIR --deltas 4,6 --mode separate --rows 3e6
  /usr/bin/python3 scripts/multitask_decoders.py DIR --deltas 4,6 --mode trunk --rows 9e6 --finetune-rows 1.5e6
"""
import argparse
import json
import os
import time

import numpy as np
import torch

parser = argparse.ArgumentParser()
parser.add_argument('dir')
parser.add_argument('--deltas', default='4,6')
parser.add_argument('--mode', choices=['separate', 'trunk'], default='separate')
parser.add_argument('--rows', type=float, default=3e6, help='train rows (separate: per decoder; trunk: of the trunk)')
parser.add_argument('--finetune-rows', type=float, default=1.5e6)
parser.add_argument('--finetune-lr', type=float, default=1e-3)
parser.add_argument('--hidden', type=int, default=969, help="the paper's rule for a 320-unit GRU layer")
args = parser.parse_args()
torch.set_num_threads(1)

meta = json.load(open(os.path.join(args.dir, 'meta.json')))
D, V, K = meta['D'], meta['V'], meta['deltas']


def load(name, n):
    x = torch.from_numpy(np.fromfile(os.path.join(args.dir, f'{name}.f32'), dtype=np.float32).reshape(n, D))
    labels = np.fromfile(os.path.join(args.dir, f'{name}-labels.i32'), dtype=np.int32).reshape(K, n)
    return x, torch.from_numpy(labels.astype(np.int64)).t().contiguous()


x_train, y_train = load('train', meta['nTrain'])
x_dev, y_dev = load('dev', meta['nDev'])
sample = x_train[:32768]
mean, sd = sample.mean(0), sample.std(0) + 1e-6
z = (sample - mean) / sd
eigenvalues, vectors = torch.linalg.eigh(z.t() @ z / z.shape[0])
zca = vectors @ torch.diag(1 / torch.sqrt(eigenvalues.clamp_min(0) + 1e-3)) @ vectors.t()
x_train = ((x_train - mean) / sd) @ zca
x_dev = ((x_dev - mean) / sd) @ zca
deltas = [int(d) for d in args.deltas.split(',')]
BATCH = 256


def dev_accuracy(first, heads):
    with torch.no_grad():
        h = torch.relu(first(x_dev))
        out = {}
        for d, head in heads.items():
            y = y_dev[:, d - 1]
            used = y >= 0
            out[d] = (head(h[used]).argmax(1) == y[used]).float().mean().item()
        return out


def train(first, heads, rows, lr0, label):
    rows = int(rows)
    params = list(first.parameters()) + [p for h in heads.values() for p in h.parameters()]
    optimizer = torch.optim.Adam(params, lr=lr0)
    order = torch.Generator().manual_seed(1)
    t0, seen = time.time(), 0
    while seen < rows:
        perm = torch.randperm(x_train.shape[0], generator=order)
        for i in range(0, x_train.shape[0] - BATCH + 1, BATCH):
            if seen >= rows:
                break
            lr = lr0 if seen < 2 * rows / 3 else lr0 / 5 if seen < 5 * rows / 6 else lr0 / 25
            for group in optimizer.param_groups:
                group['lr'] = lr
            idx = perm[i:i + BATCH]
            h = torch.relu(first(x_train[idx]))
            loss = sum(torch.nn.functional.cross_entropy(head(h), y_train[idx, d - 1], ignore_index=-1)
                       for d, head in heads.items())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen += BATCH
            if seen % 500_000 < BATCH:
                acc = dev_accuracy(first, heads)
                shown = ' '.join(f'δ{d} {100 * acc[d]:.2f}' for d in deltas if d in acc)
                print(f'{label} rows {seen / 1e6:.2f}M {time.time() - t0:.0f}s {shown}', flush=True)


if args.mode == 'separate':
    for d in deltas:
        torch.manual_seed(d)
        train(torch.nn.Linear(D, args.hidden), {d: torch.nn.Linear(args.hidden, V)}, args.rows, 3e-3, f'separate δ{d}')
else:
    torch.manual_seed(100)
    trunk = torch.nn.Linear(D, args.hidden)
    heads = {d: torch.nn.Linear(args.hidden, V) for d in range(1, K + 1)}
    train(trunk, heads, args.rows, 3e-3, 'trunk')
    for d in deltas:
        first = torch.nn.Linear(D, args.hidden)
        first.load_state_dict(trunk.state_dict())
        head = torch.nn.Linear(args.hidden, V)
        head.load_state_dict(heads[d].state_dict())
        train(first, {d: head}, args.finetune_rows, args.finetune_lr, f'finetune δ{d}')

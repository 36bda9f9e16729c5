#!/usr/bin/python3
"""PyTorch reference timing for `npm run bench`: one training step of memsig's char LM.
(`--cell factorized-lstm`: the factorized-kernel LSTM LM of the paper's section 7, written as a per-step loop
over the layer with the kernel W0 + sum_i lambda_i u_i v_i^T applied as (h V) * lambda then U, dense over all V^2
bases, lambda the running bigram frequencies of the stream, its counts carried between steps like the state.)

    /usr/bin/python3 scripts/torch_bench.py --cell lstm --layers 1 --vocab 30 --embed 32 --units 320 \
        --batch 32 --seq 64 --warmup 3 --steps 10 --threads 1

One step = zero_grad + forward over a (seq, batch) batch of random ids + cross-entropy + backward +
clip_grad_norm_(5.0) + Adam(lr=2e-3).step, the hidden state carried (detached) from the previous step
(truncated BPTT). Prints ONE JSON line on stdout:
    {"cell": ..., "threads": N, "median_ms": ..., "steps_ms": [...], "torch": "<version>", ...}
Threads: OMP/OpenBLAS/MKL env vars are set before torch loads (OpenBLAS to --blas-threads, default 1)
and torch.set_num_threads(N) sets torch's intra-op threads. With the default, N is the total number
of compute threads. Note Debian's torch does its GEMMs in OpenBLAS (pthreads build), so with
--blas-threads 1 the matrix products stay single-threaded whatever N is; --threads 1 --blas-threads 2
parallelizes them instead. Keep threads x blas-threads within the cores you may use.
"""

import os
import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description='PyTorch training-step timing (memsig bench reference)')
    p.add_argument('--cell', choices=('lstm', 'gru', 'factorized-lstm'), default='lstm')
    p.add_argument('--layers', type=int, default=1)
    p.add_argument('--vocab', type=int, default=30)
    p.add_argument('--embed', type=int, default=32)
    p.add_argument('--units', type=int, default=320)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--seq', type=int, default=64)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--threads', type=int, default=1, help='torch intra-op threads')
    p.add_argument('--blas-threads', type=int, default=1, help='OpenBLAS threads (default 1)')
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    if a.threads < 1 or a.blas_threads < 1 or a.steps < 1 or a.warmup < 0:
        p.error('--threads, --blas-threads and --steps must be >= 1, --warmup >= 0')
    return a


ARGS = parse_args()
# Must precede the torch import: OpenBLAS reads these when it loads.
os.environ['OMP_NUM_THREADS'] = '1'
os.environ['OPENBLAS_NUM_THREADS'] = str(ARGS.blas_threads)
os.environ['MKL_NUM_THREADS'] = '1'

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


class CharLm(nn.Module):
    def __init__(self, cell, vocab, embed, units, layers):
        super().__init__()
        self.cell = cell
        self.embed = nn.Embedding(vocab, embed)
        self.rnn = (nn.LSTM if cell == 'lstm' else nn.GRU)(embed, units, num_layers=layers)
        self.proj = nn.Linear(units, vocab)

    def forward(self, ids, state):
        out, state = self.rnn(self.embed(ids), state)
        return self.proj(out), state


class FactorizedLm(nn.Module):
    """embed -> LSTM layers with factorized recurrent kernels -> proj, as a researcher would write it in PyTorch."""

    def __init__(self, vocab, embed, units, layers):
        super().__init__()
        self.vocab, self.units = vocab, units
        k = vocab * vocab
        bound = 1.0 / units ** 0.5
        self.embed = nn.Embedding(vocab, embed)
        self.cells = nn.ModuleList(nn.LSTMCell(embed if i == 0 else units, units) for i in range(layers))
        self.basis_u = nn.ParameterList(nn.Parameter(torch.empty(4 * units, k).uniform_(-bound, bound))
                                        for _ in range(layers))
        self.basis_v = nn.ParameterList(nn.Parameter(torch.empty(units, k).uniform_(-bound, bound))
                                        for _ in range(layers))
        self.proj = nn.Linear(units, vocab)

    def running_lambda(self, ids, counts, last):
        """(T, B, K) lambda for the chunk, and the counts and last symbol to carry (no resets in the bench data)."""
        prev = torch.cat([last.view(1, -1), ids[:-1]], 0)
        pair = (prev * self.vocab + ids).clamp(min=0)
        one_hot = F.one_hot(pair, self.vocab * self.vocab).float()
        one_hot[prev < 0] = 0  # a stream's first symbol ends no bigram
        cum = counts.unsqueeze(0) + one_hot.cumsum(0)
        pairs = cum.sum(-1, keepdim=True).clamp(min=1)
        return cum / pairs, cum[-1], ids[-1]

    def forward(self, ids, state, counts, last):
        lam, counts, last = self.running_lambda(ids, counts, last)
        x = self.embed(ids)
        new_state = []
        for k, cell in enumerate(self.cells):
            h, c = state[k]
            outs = []
            for t in range(ids.shape[0]):
                basis = ((h @ self.basis_v[k]) * lam[t]) @ self.basis_u[k].T
                gates = x[t] @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh + basis
                i, f, g, o = gates.chunk(4, 1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                outs.append(h)
            new_state.append((h, c))
            x = torch.stack(outs)
        return self.proj(x), new_state, counts, last


def carried_forward(a, model):
    """The model's forward over one chunk, its state carried from the previous chunk and detached (truncated BPTT)."""
    if a.cell == 'factorized-lstm':
        zero = torch.zeros(a.batch, a.units)
        carry = {
            'state': [(zero, zero.clone()) for _ in range(a.layers)],
            'counts': torch.zeros(a.batch, a.vocab * a.vocab),
            'last': torch.full((a.batch,), -1, dtype=torch.int64),
        }

        def forward(ids):
            state = [(h.detach(), c.detach()) for h, c in carry['state']]
            logits, carry['state'], carry['counts'], carry['last'] = model(ids, state, carry['counts'], carry['last'])
            return logits
        return forward

    h = torch.zeros(a.layers, a.batch, a.units)
    carry = {'state': (h, h.clone()) if a.cell == 'lstm' else h}

    def forward(ids):
        state = carry['state']
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        logits, carry['state'] = model(ids, state)
        return logits
    return forward


def main():
    a = ARGS
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    if a.cell == 'factorized-lstm':
        model = FactorizedLm(a.vocab, a.embed, a.units, a.layers)
    else:
        model = CharLm(a.cell, a.vocab, a.embed, a.units, a.layers)
    forward = carried_forward(a, model)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    gen = torch.Generator().manual_seed(a.seed + 1)
    total = a.warmup + a.steps
    # Random ids drawn up front, so timing covers the training step only.
    data = torch.randint(0, a.vocab, (total, a.seq + 1, a.batch), generator=gen)
    steps_ms = []
    for i in range(total):
        ids, targets = data[i, :-1], data[i, 1:]
        t0 = time.perf_counter()
        opt.zero_grad()
        logits = forward(ids)
        loss = F.cross_entropy(logits.reshape(-1, a.vocab), targets.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        ms = (time.perf_counter() - t0) * 1000.0
        if i >= a.warmup:
            steps_ms.append(round(ms, 3))
    report(a, steps_ms, loss)


def report(a, steps_ms, loss):
    print(json.dumps({
        'cell': a.cell,
        'threads': a.threads,
        'blas_threads': a.blas_threads,
        'median_ms': round(statistics.median(steps_ms), 3),
        'steps_ms': steps_ms,
        'torch': torch.__version__,
        'layers': a.layers, 'vocab': a.vocab, 'embed': a.embed, 'units': a.units,
        'batch': a.batch, 'seq': a.seq, 'warmup': a.warmup, 'steps': a.steps,
        'final_loss': round(loss.item(), 6),
    }), flush=True)


if __name__ == '__main__':
    main()

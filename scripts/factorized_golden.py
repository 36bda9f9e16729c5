"""The factorized-kernel LSTM LM golden (paper section 7), written by make_goldens.py.

The model is written out here with PyTorch autograd, independently of memsig's engine: per layer the recurrent
kernel at step t of stream b is W0 + sum_i lambda[t, b, i] * u_i v_i^T, lambda the running bigram frequencies of the
stream's current segment (count of each bigram among the bigrams read so far, including the one ending at symbol t,
divided by their number; zero at a segment's first symbol; a reset starts a new segment).
"""

import numpy as np
import torch
import torch.nn.functional as F

from torch_safetensors import load_file, save_file

V, E, H, L, T, B = 5, 4, 3, 2, 7, 3
K = V * V
SEED = 20261129


def running_lambda(ids, resets):
    """(T, B, K) float64: the running bigram frequencies, counted per stream with a dictionary."""
    lam = torch.zeros(T, B, K, dtype=torch.float64)
    for b in range(B):
        counts, last, pairs = {}, -1, 0
        for t in range(T):
            if resets[t, b]:
                counts, last, pairs = {}, -1, 0
            s = int(ids[t, b])
            if last >= 0:
                counts[last * V + s] = counts.get(last * V + s, 0) + 1
                pairs += 1
            last = s
            for i, n in counts.items():
                lam[t, b, i] = n / pairs
    return lam


def lstm_gates(pre, c):
    i, f, g, o = (pre[:, j * H:(j + 1) * H] for j in range(4))
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def forward(p, ids, resets, lam):
    """Logits (T, B, V) and per-layer h, c (T, B, H): the basis term as (h V) * lambda, then U."""
    x = p['embed.weight'][ids]
    hs, cs = [], []
    for k in range(L):
        h = torch.zeros(B, H)
        c = torch.zeros(B, H)
        h_seq, c_seq = [], []
        for t in range(T):
            keep = (1.0 - resets[t].to(torch.float32)).view(-1, 1)
            h, c = h * keep, c * keep
            basis = ((h @ p[f'rnn.basis_v_l{k}']) * lam[t]) @ p[f'rnn.basis_u_l{k}'].T
            pre = (x[t] @ p[f'rnn.weight_ih_l{k}'].T + p[f'rnn.bias_ih_l{k}']
                   + h @ p[f'rnn.weight_hh_l{k}'].T + p[f'rnn.bias_hh_l{k}'] + basis)
            h, c = lstm_gates(pre, c)
            h_seq.append(h)
            c_seq.append(c)
        hs.append(torch.stack(h_seq))
        cs.append(torch.stack(c_seq))
        x = hs[-1]
    return x @ p['proj.weight'].T + p['proj.bias'], hs, cs


def explicit_kernel_states(p, ids, resets, lam):
    """The same in float64 with each step's kernel built as a matrix, W0 + U diag(lambda) V^T, per stream."""
    d = {n: t.detach().double() for n, t in p.items()}
    x = d['embed.weight'][ids]
    hs, cs = [], []
    for k in range(L):
        u, v = d[f'rnn.basis_u_l{k}'], d[f'rnn.basis_v_l{k}']
        h = torch.zeros(B, H, dtype=torch.float64)
        c = torch.zeros_like(h)
        h_seq, c_seq = [], []
        for t in range(T):
            keep = (1.0 - resets[t].double()).view(-1, 1)
            h, c = h * keep, c * keep
            rows = []
            for b in range(B):
                w = d[f'rnn.weight_hh_l{k}'] + u @ torch.diag(lam[t, b]) @ v.T
                rows.append(w @ h[b])
            pre = (x[t] @ d[f'rnn.weight_ih_l{k}'].T + d[f'rnn.bias_ih_l{k}'] + torch.stack(rows)
                   + d[f'rnn.bias_hh_l{k}'])
            h, c = lstm_gates(pre, c)
            h_seq.append(h)
            c_seq.append(c)
        hs.append(torch.stack(h_seq))
        cs.append(torch.stack(c_seq))
        x = hs[-1]
    return hs, cs


def param_shapes():
    shapes = {'embed.weight': (V, E)}
    for k in range(L):
        shapes[f'rnn.weight_ih_l{k}'] = (4 * H, E if k == 0 else H)
        shapes[f'rnn.weight_hh_l{k}'] = (4 * H, H)
        shapes[f'rnn.bias_ih_l{k}'] = (4 * H,)
        shapes[f'rnn.bias_hh_l{k}'] = (4 * H,)
        shapes[f'rnn.basis_u_l{k}'] = (4 * H, K)
        shapes[f'rnn.basis_v_l{k}'] = (H, K)
    shapes['proj.weight'] = (V, H)
    shapes['proj.bias'] = (V,)
    return shapes


def make_factorized_golden(path):
    torch.manual_seed(SEED)
    # The bases are drawn larger than the rest: lambda spreads a unit weight over them, and their share of the
    # kernel must show in every output.
    p = {n: torch.empty(s).uniform_(-1.5 if 'basis' in n else -0.5, 1.5 if 'basis' in n else 0.5).requires_grad_()
         for n, s in param_shapes().items()}
    # Few symbols and long streams: bigrams repeat, so lambda takes values other than 0 and 1/n.
    ids = torch.randint(0, 3, (T, B))
    ids[:, 2] = torch.randint(0, V, (T,))
    targets = torch.randint(0, V, (T, B))
    for t, b in ((0, 1), (4, 2)):
        targets[t, b] = -1
    resets = torch.zeros(T, B, dtype=torch.uint8)
    for t, b in ((3, 0), (5, 1)):
        resets[t, b] = 1
    lam = running_lambda(ids, resets)
    # lambda is zero at a segment's first symbol (t = 0 and each reset) and sums to 1 everywhere else.
    starts = resets.bool().clone()
    starts[0] = True
    sums = lam.sum(-1)
    assert sums[starts].abs().max().item() == 0 and (sums[~starts] - 1).abs().max().item() < 1e-12

    logits, hs, cs = forward(p, ids, resets, lam.float())
    loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), ignore_index=-1)
    loss.backward()
    with torch.no_grad():
        fhs, fcs = explicit_kernel_states(p, ids, resets, lam)
        for k in range(L):
            err = max((hs[k].double() - fhs[k]).abs().max().item(), (cs[k].double() - fcs[k]).abs().max().item())
            assert err <= 1e-5, f'layer {k}: factorized vs explicit kernel differ by {err}'
        # The bases must matter: with them zeroed the logits move.
        zero = {n: (torch.zeros_like(t) if 'basis' in n else t) for n, t in p.items()}
        plain, _, _ = forward(zero, ids, resets, lam.float())
        moved = (plain - logits).abs().max().item()
        assert moved > 1e-2, f'zeroing the bases moves the logits by only {moved}'

    out = {n: t.detach().clone() for n, t in p.items()}
    out['inputs'] = ids.to(torch.int64)
    out['targets'] = targets.to(torch.int64)
    out['resets'] = resets
    out['lambda'] = lam.float()
    out['logits'] = logits.detach()
    out['loss'] = loss.detach().reshape(())
    for n, t in p.items():
        out[f'grad.{n}'] = t.grad.detach().clone()
    for k in range(L):
        out[f'hidden.l{k}'] = hs[k].detach()
        out[f'cell.l{k}'] = cs[k].detach()
    meta = {'layers': str(L), 'units': str(H), 'embed': str(E), 'vocab': str(V), 'seq': str(T), 'batch': str(B)}
    save_file(out, path, meta)
    loaded, _ = load_file(path)
    for name, value in out.items():
        assert np.array_equal(loaded[name], value.numpy()), name
    print(f'{path}: {len(out)} tensors, loss {out["loss"].item():.6f}')


README_SECTION = """
## `factorized-lstm.safetensors`

The factorized-kernel LSTM LM of the paper's section 7, written out with PyTorch autograd (no nn.LSTM):
`embed.weight` → two LSTM layers whose recurrent kernel at step t of stream b is
`W0 + sum_i lambda[t, b, i] * u_i v_i^T` → `proj`. `rnn.weight_hh_l{{k}}` is W0, `rnn.basis_u_l{{k}}` (4H, K) and
`rnn.basis_v_l{{k}}` (H, K) hold u_i and v_i in column i = a·V + b for the bigram of symbols a, b (K = V²).
`lambda` (T, B, K) is the running bigram frequencies of the stream's segment: the count of each bigram among
those read so far, the one ending at symbol t included, over their number (zero at a segment's first symbol);
a reset (`resets`, U8) zeroes h, c and the counts before step t. Sizes: V={V}, E={E}, H={H}, L={L}, T={T}, B={B};
the bases uniform(-1.5, 1.5), every other parameter uniform(-0.5, 0.5). Tensors: the parameters, `inputs`, `targets` (I64; -1 ignored), `resets`,
`lambda`, `logits`, `loss`, `grad.<param>`, `hidden.l{{k}}`, `cell.l{{k}}`, as for the LSTM above. The script
checks the states (≤ 1e-5) against the same model in float64 with each step's kernel built as a matrix, and that
zeroing the bases changes the logits. Compare at 1e-4.
"""

#!/usr/bin/python3
"""Listen-Attend-Spell in PyTorch: the reference for memsig's src/models/las.ts (run by hand; never a dependency).

The module's state_dict names are memsig's parameter names, so a LAS trained with this module loads unchanged:

    listener.layers.{k}.{weight_ih,weight_hh,bias_ih,bias_hh}_l0[_reverse]   nn.LSTM(in_k, H, bidirectional=True)
    speller.embed.weight                                                     nn.Embedding(V, E)
    speller.rnn.{weight_ih,weight_hh,bias_ih,bias_hh}_l{j}                   nn.LSTM(E + 2H, Hs, num_layers)
    speller.hidden.{weight,bias}, speller.out.{weight,bias}                  nn.Linear(Hs + 2H, M), nn.Linear(M, V)
    attention.W.{weight,bias}, attention.V.weight, attention.w.weight        nn.Linear(2H, A), (Hs, A, no bias), (A, 1, no bias)
    attention.conv.weight, attention.U.weight   (location-aware only)        nn.Conv1d(1, F, K, same padding, no bias), nn.Linear(F, A, no bias)
    ctc.{weight,bias}                           (ctc_weight > 0 only)        nn.Linear(2H, alphabet + 1)

Conventions (the same in memsig): time-major tensors (T, B, ·); speller ids <sos> 0, <eos> 1, alphabet symbol s at
s + 2; CTC ids blank 0, symbol s at s + 1. Listener: optional stacking of `stack` frames, then BLSTM layers, the top
`pyramid_layers` of them reading pairs of frames [x_{2t}; x_{2t+1}] of the layer below (an odd last frame is
dropped; lengths become length // 2). Speller step i reads [embed(y_{i-1}); c_{i-1}] (y_{-1} = <sos>, c_{-1} = 0),
its top LSTM output is the query q_i; e_{i,u} = w^T tanh(W h_u + b + V q_i [+ U conv(alpha_{i-1})_u]) masked beyond
the utterance's frames, alpha_i = softmax, c_i = sum_u alpha_{i,u} h_u (alpha_{-1} = uniform over the utterance's
frames); logits_i = out(tanh(hidden([q_i; c_i]))). Loss = lambda * CTC + (1 - lambda) * CE, where CE is
F.cross_entropy(label_smoothing=eps, ignore_index=-1) averaged over the real targets (<eos> included) and CTC is
F.ctc_loss(log_softmax(ctc(h)), reduction='mean', zero_infinity=True) over the top listener frames.

The bidirectional layers run in one of two forms with identical numbers: 'packed' (nn.LSTM(bidirectional=True) over
a PackedSequence, the usual way) or 'split' (each direction as a one-way LSTM over the same parameters, the backward
one over each utterance's own valid frames reversed by a gather). On CPU the packed bidirectional LSTM is 5-10x
slower in backward than two one-way LSTMs, so the benchmark takes the faster form; memsig's BidirectionalLstm is the
split form too.

    /usr/bin/python3 scripts/las_reference.py --bench [--threads N] [--blas-threads M] [--mode split|packed]

times one training step (zero_grad, forward, backward) of the benchmark workload and prints one JSON line.
"""

import os
import sys

sys.dont_write_bytecode = True

SOS, EOS, SYMBOL_OFFSET, CTC_BLANK = 0, 1, 2, 0


def default_config():
    """The benchmark-sized LAS (memsig's defaultLasConfig())."""
    return dict(features=40, stack=1, listener_layers=3, pyramid_layers=2, listener_units=256, alphabet=58,
                embed=64, speller_layers=1, speller_units=256, attention=128, location=None, output_hidden=256,
                label_smoothing=0.1, ctc_weight=0.2)


def build(torch_module):
    """Defines the modules over an imported torch (so --bench can set thread variables before the import)."""
    torch = torch_module
    nn = torch.nn
    F = torch.nn.functional

    def concat_frames(x, lengths, k):
        """(T, B, D) -> (T // k, B, k * D): k consecutive frames side by side; lengths // k."""
        T, B, D = x.shape
        Tk = T // k
        x = x[:Tk * k].reshape(Tk, k, B, D).permute(0, 2, 1, 3).reshape(Tk, B, k * D)
        return x, torch.div(lengths, k, rounding_mode='floor')

    def valid_mask(T, lengths):
        return torch.arange(T).unsqueeze(1) < lengths.unsqueeze(0)  # (T, B)

    def reverse_index(T, lengths):
        """idx[t, b] = n_b - 1 - t where t < n_b, else t: a gather with it reverses each utterance's valid frames."""
        t = torch.arange(T).unsqueeze(1)
        return torch.where(t < lengths.unsqueeze(0), lengths.unsqueeze(0) - 1 - t, t)

    def one_way(x, lstm, suffix):
        weights = [getattr(lstm, f'{p}_l0{suffix}') for p in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh')]
        zeros = x.new_zeros(1, x.shape[1], lstm.hidden_size)
        return torch._VF.lstm(x, (zeros, zeros), weights, True, 1, 0.0, lstm.training, False, False)[0]

    def bidirectional(lstm, x, lengths, mode):
        """[h_fwd; h_bwd] (T, B, 2H), zero beyond each length, in either form."""
        T = x.shape[0]
        if mode == 'packed':
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
            out, _ = lstm(packed)
            return nn.utils.rnn.pad_packed_sequence(out, total_length=T)[0]
        mask = valid_mask(T, lengths).unsqueeze(-1).to(x.dtype)
        idx = reverse_index(T, lengths).unsqueeze(-1)
        fwd = one_way(x, lstm, '')
        x_rev = torch.gather(x, 0, idx.expand(-1, -1, x.shape[2])) * mask
        bwd = torch.gather(one_way(x_rev, lstm, '_reverse'), 0, idx.expand(-1, -1, lstm.hidden_size))
        return torch.cat([fwd, bwd], -1) * mask

    class Listener(nn.Module):
        def __init__(self, c, mode='split'):
            super().__init__()
            self.stack = c['stack']
            self.mode = mode
            self.pyramid = [k >= c['listener_layers'] - c['pyramid_layers'] for k in range(c['listener_layers'])]
            H = c['listener_units']
            self.layers = nn.ModuleList()
            for k in range(c['listener_layers']):
                below = c['stack'] * c['features'] if k == 0 else 2 * H
                self.layers.append(nn.LSTM(below * (2 if self.pyramid[k] else 1), H, bidirectional=True))

        def forward(self, x, lengths):
            """Returns every layer's (output (T_k, B, 2H), lengths_k)."""
            if self.stack > 1:
                x, lengths = concat_frames(x, lengths, self.stack)
            outs = []
            for k, lstm in enumerate(self.layers):
                if self.pyramid[k]:
                    x, lengths = concat_frames(x, lengths, 2)
                x = bidirectional(lstm, x, lengths, self.mode)
                outs.append((x, lengths))
            return outs

    class MlpAttention(nn.Module):
        def __init__(self, frame_size, query_size, size, location=None):
            super().__init__()
            self.W = nn.Linear(frame_size, size)
            self.V = nn.Linear(query_size, size, bias=False)
            self.w = nn.Linear(size, 1, bias=False)  # a bias here would cancel in the softmax
            self.location = location
            if location:
                filters, kernel = location['filters'], location['kernel']
                self.conv = nn.Conv1d(1, filters, kernel, padding=(kernel - 1) // 2, bias=False)
                self.U = nn.Linear(filters, size, bias=False)

        def forward(self, keys, enc, mask, q, prev):
            """keys = W(enc) (U, B, A), enc (U, B, D), mask (U, B), q (B, Q), prev = alpha_{i-1} (B, U)."""
            pre = keys + self.V(q).unsqueeze(0)
            if self.location:
                pre = pre + self.U(self.conv(prev.unsqueeze(1)).permute(2, 0, 1))
            e = self.w(torch.tanh(pre)).squeeze(-1).masked_fill(~mask, float('-inf'))
            alpha = torch.softmax(e, 0)  # (U, B)
            return alpha.t(), (alpha.unsqueeze(-1) * enc).sum(0)

    class Speller(nn.Module):
        def __init__(self, c):
            super().__init__()
            D = 2 * c['listener_units']
            V = c['alphabet'] + SYMBOL_OFFSET
            self.embed = nn.Embedding(V, c['embed'])
            self.rnn = nn.LSTM(c['embed'] + D, c['speller_units'], num_layers=c['speller_layers'])
            self.hidden = nn.Linear(c['speller_units'] + D, c['output_hidden'])
            self.out = nn.Linear(c['output_hidden'], V)

    class LAS(nn.Module):
        def __init__(self, c, mode='split'):
            super().__init__()
            self.c = dict(c)
            D = 2 * c['listener_units']
            self.listener = Listener(c, mode)
            self.speller = Speller(c)
            self.attention = MlpAttention(D, c['speller_units'], c['attention'], c['location'])
            if c['ctc_weight'] > 0:
                self.ctc = nn.Linear(D, c['alphabet'] + 1)

        def forward(self, features, frames, transcripts):
            """features (T, B, F), frames (B) int64, transcripts: B lists of alphabet ids. Returns a dict."""
            c = self.c
            layers = self.listener(features, frames)
            enc, enc_len = layers[-1]
            U, B, D = enc.shape
            mask = valid_mask(U, enc_len)
            L = max(len(t) for t in transcripts) + 1
            inputs = torch.full((L, B), EOS, dtype=torch.long)
            targets = torch.full((L, B), -1, dtype=torch.long)
            for b, t in enumerate(transcripts):
                ids = [s + SYMBOL_OFFSET for s in t]
                inputs[:len(ids) + 1, b] = torch.tensor([SOS] + ids, dtype=torch.long)
                targets[:len(ids) + 1, b] = torch.tensor(ids + [EOS], dtype=torch.long)
            keys = self.attention.W(enc)
            emb = self.speller.embed(inputs)
            ctx = enc.new_zeros(B, D)
            prev = mask.t().to(enc.dtype) / enc_len.unsqueeze(1).to(enc.dtype)
            state = None
            queries, contexts, weights, hs, cs = [], [], [], [], []
            for i in range(L):
                out, state = self.speller.rnn(torch.cat([emb[i], ctx], -1).unsqueeze(0), state)
                q = out[0]
                prev, ctx = self.attention(keys, enc, mask, q, prev)
                queries.append(q)
                contexts.append(ctx)
                weights.append(prev)
                hs.append(state[0])
                cs.append(state[1])
            qc = torch.cat([torch.stack(queries), torch.stack(contexts)], -1)
            logits = self.speller.out(torch.tanh(self.speller.hidden(qc)))
            V = logits.shape[-1]
            ce = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), ignore_index=-1,
                                 label_smoothing=c['label_smoothing'])
            result = dict(layers=layers, logits=logits, weights=torch.stack(weights), targets=targets,
                          attention_loss=ce, speller_h=torch.stack(hs), speller_c=torch.stack(cs))
            lam = c['ctc_weight']
            if lam > 0:
                log_probs = F.log_softmax(self.ctc(enc), -1)
                labels = torch.tensor([s + 1 for t in transcripts for s in t], dtype=torch.long)
                label_len = torch.tensor([len(t) for t in transcripts], dtype=torch.long)
                ctc = F.ctc_loss(log_probs, labels, enc_len, label_len, blank=CTC_BLANK, reduction='mean',
                                 zero_infinity=True)
                result['ctc_loss'] = ctc
                result['loss'] = lam * ctc + (1 - lam) * ce
            else:
                result['loss'] = ce
            return result

    return LAS


def bench():
    import argparse
    import json
    import time

    p = argparse.ArgumentParser(description='PyTorch LAS training-step timing (memsig bench reference)')
    p.add_argument('--bench', action='store_true')
    p.add_argument('--mode', choices=('split', 'packed'), default='split')
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--frames', type=int, default=400)
    p.add_argument('--symbols', type=int, default=30)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--steps', type=int, default=3)
    p.add_argument('--threads', type=int, default=1, help='torch intra-op threads')
    p.add_argument('--blas-threads', type=int, default=1, help='OpenBLAS threads')
    a = p.parse_args()
    os.environ['OMP_NUM_THREADS'] = '1'
    os.environ['OPENBLAS_NUM_THREADS'] = str(a.blas_threads)
    os.environ['MKL_NUM_THREADS'] = '1'
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    LAS = build(torch)
    c = default_config()
    model = LAS(c, a.mode)
    B, T = a.batch, a.frames
    gen = torch.Generator().manual_seed(1)
    features = torch.randn(T, B, c['features'], generator=gen)
    # Lengths from T down to 0.8 T, transcripts of about `symbols` graphemes.
    frames = torch.tensor([T - (T // 5) * b // max(B - 1, 1) for b in range(B)], dtype=torch.long)
    transcripts = [torch.randint(0, c['alphabet'], (a.symbols - b % 3,), generator=gen).tolist() for b in range(B)]
    times = []
    for step in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        model.zero_grad(set_to_none=False)
        out = model(features, frames, transcripts)
        out['loss'].backward()
        if step >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps(dict(mode=a.mode, threads=a.threads, blas_threads=a.blas_threads, best_ms=min(times),
                          steps_ms=times, loss=float(out['loss']), torch=torch.__version__)))


if __name__ == '__main__':
    bench()

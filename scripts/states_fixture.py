#!/usr/bin/python3
"""Write the fixture of `memsig signature --states` (run by hand; PyTorch is a reference, never a dependency).

    /usr/bin/python3 scripts/states_fixture.py [--out test/fixtures/states]

A tiny character LSTM (nn.Embedding → 2-layer nn.LSTM → nn.Linear, memsig's default 30-symbol alphabet), trained a
little on a tiny corpus of one sentence per line, and its states on that corpus dumped by the recipe of
docs/formats.md (`dump_states`, copied here as it is there: forward hooks, and the LSTM stepped one position at a
time for its cell states). Files:

  corpus.txt          50 lines, already in the alphabet (so memsig's line segments are exactly these lines)
  model.safetensors   the state_dict (encoder / lstm / decoder), for `memsig import`
  alphabet.json       the alphabet, a JSON list
  states.safetensors  c.0, c.1 [N, 16] F32 (the LSTM's cell states; the recipe saves h too unless told not to), symbols [N], segments [N] (one segment per line), with the
                      alphabet, the per-layer parameter counts and a label in its metadata

memsig's signature of states.safetensors must equal that of the imported model.safetensors read on corpus.txt
(test/cli/states-signature.test.ts). Deterministic: fixed seed, one thread.
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
import random  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402

try:
    from safetensors.torch import save_file  # noqa: E402
except ImportError:  # the repository's own writer, with the same call
    from torch_safetensors import save_file  # noqa: E402

torch.set_num_threads(1)

SEED = 20261207
ALPHABET = list("abcdefghijklmnopqrstuvwxyz#'. ")
WORDS = ('the a cat dog sat ran on by old red house river king saw it was and to of in far near small tall '
         'quiet green hill road long day night came went home').split()


# ---- the recipe of docs/formats.md ------------------------------------------------------------------------------

@torch.no_grad()
def lstm_states(lstm, x):
    """c and h of every layer of an nn.LSTM at every step of x, (1, T, input) or, not batch_first, (T, 1, input):
    the module returns c only at the last step, so it is stepped one position at a time. → two (layers, T, D)."""
    xs = x if lstm.batch_first else x.transpose(0, 1)
    state, cs, hs = None, [], []
    for t in range(xs.shape[1]):
        step = xs[:, t:t + 1] if lstm.batch_first else xs[:, t:t + 1].transpose(0, 1)
        _, state = lstm(step, state)  # state = (h, c), each (layers, 1, D)
        hs.append(state[0][:, 0])
        cs.append(state[1][:, 0])
    return torch.stack(cs, 1), torch.stack(hs, 1)


@torch.no_grad()
def dump_states(model, segments, alphabet, path, hidden=(), lstms=(), kinds=('c', 'h'), metadata=None):
    """Runs `model` on each segment (a list of symbol ids; a fresh state each) and saves memsig's states file:
    hidden: modules whose output (or its first element) is a state (1, T, D), batch first; saved as h.0, h.1, …
    lstms:  nn.LSTM modules, each layer's c and h saved (c.0, … and h.0, … after those of `hidden`);
    kinds:  which of c and h to save."""
    seen = {}
    hooks = [m.register_forward_hook(lambda m, args, out, k=k: seen.__setitem__(k, (args[0], out)))
             for k, m in enumerate(list(hidden) + list(lstms))]
    states, symbols, segment_ids = {}, [], []
    for s, ids in enumerate(segments):
        model(torch.tensor([ids]))
        layers_c, layers_h = [], []
        for k in range(len(hidden)):
            out = seen[k][1]
            layers_h.append((out[0] if isinstance(out, tuple) else out)[0])
        for k, lstm in enumerate(lstms):
            c, h = lstm_states(lstm, seen[len(hidden) + k][0])
            layers_c += list(c)
            layers_h += list(h)
        for kind, layers in (('c', layers_c), ('h', layers_h)):
            for layer, rows in enumerate(layers if kind in kinds else []):
                states.setdefault(f'{kind}.{layer}', []).append(rows.float())
        symbols += ids
        segment_ids += [s] * len(ids)
    for h in hooks:
        h.remove()
    tensors = {name: torch.cat(rows).contiguous() for name, rows in states.items()}
    tensors['symbols'] = torch.tensor(symbols, dtype=torch.int32)
    tensors['segments'] = torch.tensor(segment_ids, dtype=torch.int32)
    save_file(tensors, path, metadata={'alphabet': json.dumps(alphabet), **(metadata or {})})

# ---- end of the recipe --------------------------------------------------------------------------------------------


class CharLstm(nn.Module):
    def __init__(self, vocab, embed, units):
        super().__init__()
        self.encoder = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, units, 2, batch_first=True)
        self.decoder = nn.Linear(units, vocab)

    def forward(self, ids):  # (B, T) → (B, T, V)
        return self.decoder(self.lstm(self.encoder(ids))[0])


def corpus_lines(rng, count):
    lines = []
    for _ in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(4, 7))]
        lines.append(' '.join(words) + '.')
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument('--out', default=os.path.join(root, 'test', 'fixtures', 'states'))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(SEED)
    rng = random.Random(SEED)

    lines = corpus_lines(rng, 50)
    index = {ch: i for i, ch in enumerate(ALPHABET)}
    segments = [[index[ch] for ch in line] for line in lines]
    model = CharLstm(len(ALPHABET), 8, 16)
    # A little training, so that the states hold something of the text (teacher forcing, one line at a time).
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(3):
        for ids in segments:
            x = torch.tensor([ids[:-1]])
            y = torch.tensor([ids[1:]])
            loss = nn.functional.cross_entropy(model(x).reshape(-1, len(ALPHABET)), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()

    with open(os.path.join(args.out, 'corpus.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(os.path.join(args.out, 'alphabet.json'), 'w') as f:
        json.dump(ALPHABET, f)
        f.write('\n')
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(args.out, 'model.safetensors'))
    lstm = model.lstm
    parameters = [sum(p.numel() for n, p in lstm.named_parameters() if n.endswith(f'_l{k}'))
                  for k in range(lstm.num_layers)]
    dump_states(model, segments, ALPHABET, os.path.join(args.out, 'states.safetensors'), lstms=[lstm], kinds=('c',),
                metadata={'model': '2-layer LSTM, 16 units (PyTorch)', 'cell': 'lstm',
                          'parameters': json.dumps(parameters)})
    print(f'{len(lines)} lines, {sum(map(len, segments))} positions → {args.out}')


if __name__ == '__main__':
    main()

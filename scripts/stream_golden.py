#!/usr/bin/python3
"""The PyTorch reference for reading text as one stream (run by hand; PyTorch is a reference, never a dependency).

    /usr/bin/python3 scripts/stream_golden.py [--out test/fixtures/streams/pytorch-stream-model]

Writes a model directory made by PyTorch the way a classic character RNN is made: a 2-layer LSTM over the raw
characters of a short play excerpt (capitals, punctuation and the newline are symbols; no lowercasing, digits kept),
trained a little on it as one stream, and expected.json with the cross-entropy PyTorch gives when the whole eval text
is read as one stream: the state carried across lines, every newline predicted, one zero state at the start.
`memsig eval --split all` of the directory must give the same (the alphabet has a newline, so memsig reads the text
as a stream without being told). Deterministic: fixed seed, one thread.
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
import math  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402

from make_goldens import CharLm, ce_loss  # noqa: E402
from torch_safetensors import save_file  # noqa: E402

torch.set_num_threads(1)

SEED = 20261206
TRAIN_TEXT = (
    "MENENIUS:\nWhat work's, my countrymen, in hand? where go you\nWith bats and clubs? The matter? speak, I pray you.\n\n"
    'First Citizen:\nOur business is not unknown to the senate; they have\nhad inkling this fortnight what we intend to do.\n\n'
    'MENENIUS:\nWhy, masters, my good friends, mine honest neighbours,\nWill you undo yourselves?\n\n'
)
EVAL_TEXT = 'First Citizen:\nWe cannot, sir, we are undone already.\n\nMENENIUS:\nI tell you, friends, most charitable care\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument('--out', default=os.path.join(root, 'test', 'fixtures', 'streams', 'pytorch-stream-model'))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    counts = {}
    for ch in TRAIN_TEXT + EVAL_TEXT:
        counts[ch] = counts.get(ch, 0) + 1
    # The order memsig train --alphabet raw gives: most frequent first, ties by code point.
    alphabet = sorted(counts, key=lambda ch: (-counts[ch], ord(ch)))
    index = {ch: i for i, ch in enumerate(alphabet)}

    torch.manual_seed(SEED)
    model = CharLm('lstm', len(alphabet), 6, 12, 2)
    ids = torch.tensor([index[ch] for ch in TRAIN_TEXT], dtype=torch.int64)
    seq = 32
    n = (ids.numel() - 1) // seq
    x = ids[:n * seq].view(n, seq).T.contiguous()
    y = ids[1:n * seq + 1].view(n, seq).T.contiguous()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        opt.zero_grad()
        logits, _ = model(x, model.zero_state(n))
        loss = ce_loss(logits, y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()

    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(args.out, 'model.safetensors'), {'format': 'pt'})
    config = {
        'format': 'memsig-model',
        'version': 1,
        'kind': 'char-lm',
        'cell': 'lstm',
        'layers': 2,
        'units': 12,
        'embed': 6,
        'normalization': {
            'alphabet': alphabet,
            'lowercase': False,
            'digitSymbol': None,
            'unknown': 'drop',
            'collapseWhitespace': False,
        },
        'corpus': None,
        'training': None,
        'metrics': {'devPerplexity': None, 'evalPerplexity': None},
    }
    with open(os.path.join(args.out, 'config.json'), 'w', encoding='utf-8') as f:
        f.write(json.dumps(config, indent=2, ensure_ascii=False) + '\n')

    eval_ids = [index[ch] for ch in EVAL_TEXT]
    inp = torch.tensor(eval_ids[:-1], dtype=torch.int64).view(-1, 1)
    tgt = torch.tensor(eval_ids[1:], dtype=torch.int64).view(-1, 1)
    with torch.no_grad():
        logits, _ = model(inp, model.zero_state(1))
        stream = ce_loss(logits, tgt).item()
        # The same text cut into lines, the state reset at each and no newline read: what a line reading would give.
        line_losses, line_count = 0.0, 0
        for line in EVAL_TEXT.split('\n'):
            if len(line) < 2:
                continue
            li = torch.tensor([index[ch] for ch in line], dtype=torch.int64).view(-1, 1)
            out, _ = model(li[:-1], model.zero_state(1))
            line_losses += ce_loss(out, li[1:]).item() * (len(line) - 1)
            line_count += len(line) - 1
    expected = {
        'text': EVAL_TEXT,
        'predictions': len(eval_ids) - 1,
        'crossEntropy': stream,
        'perplexity': math.exp(stream),
        'bitsPerChar': stream / math.log(2),
        'lineReading': {'predictions': line_count, 'bitsPerChar': line_losses / line_count / math.log(2)},
        'note': ('the whole text one stream from a zero state, inputs ids[0..n-2], targets ids[1..n-1] (newlines '
                 'included); crossEntropy is the float32 mean in nats computed by torch; lineReading: each line '
                 f'on its own from a zero state. Training loss of the fixture: {loss.item():.4f}'),
    }
    with open(os.path.join(args.out, 'expected.json'), 'w', encoding='utf-8') as f:
        f.write(json.dumps(expected, indent=2, ensure_ascii=False) + '\n')
    print(f'{args.out}: {len(alphabet)} symbols, train loss {loss.item():.4f}, stream {stream / math.log(2):.4f} '
          f'bits/char over {len(eval_ids) - 1} predictions, by lines {line_losses / line_count / math.log(2):.4f}')


if __name__ == '__main__':
    main()

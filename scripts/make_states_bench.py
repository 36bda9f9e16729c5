#!/usr/bin/python3
"""Write a large states file of random states for timing `memsig signature --states` (run by hand; delete it after).

    /usr/bin/python3 scripts/make_states_bench.py OUT.safetensors [--positions 1000000] [--layers 2] [--units 512]

Per layer a float32 [N, D] array of random states (c.0, c.1, …), symbols [N] drawn from memsig's 30-symbol alphabet
with a skewed prior, segments [N] of 40 to 160 positions, and the alphabet in the metadata: the layout of
docs/formats.md at the size of the issue's target (1M positions × 2 layers × 512 units, F32: 4 GB). Written in
blocks, so the script itself needs little memory. Deterministic (fixed seed).
"""

import os
import sys

os.environ['OMP_NUM_THREADS'] = '1'
os.environ['OPENBLAS_NUM_THREADS'] = '1'
sys.dont_write_bytecode = True

import argparse  # noqa: E402
import json  # noqa: E402
import struct  # noqa: E402

import numpy as np  # noqa: E402

ALPHABET = list("abcdefghijklmnopqrstuvwxyz#'. ")
BLOCK = 65_536


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out')
    parser.add_argument('--positions', type=int, default=1_000_000)
    parser.add_argument('--layers', type=int, default=2)
    parser.add_argument('--units', type=int, default=512)
    args = parser.parse_args()
    n, d = args.positions, args.units
    rng = np.random.default_rng(20261207)

    prior = np.linspace(2.0, 0.2, len(ALPHABET))
    symbols = rng.choice(len(ALPHABET), size=n, p=prior / prior.sum()).astype('<i4')
    lengths = rng.integers(40, 161, size=n // 40 + 1)
    segments = np.repeat(np.arange(len(lengths), dtype='<i4'), lengths)[:n]

    # safetensors: tensors in the order written, offsets relative to the data buffer.
    names = [f'c.{k}' for k in range(args.layers)] + ['segments', 'symbols']
    sizes = [n * d * 4] * args.layers + [n * 4, n * 4]
    header, offset = {}, 0
    for name, size in zip(names, sizes):
        shape = [n, d] if name.startswith('c.') else [n]
        header[name] = {'dtype': 'F32' if name.startswith('c.') else 'I32', 'shape': shape,
                        'data_offsets': [offset, offset + size]}
        offset += size
    header['__metadata__'] = {'alphabet': json.dumps(ALPHABET), 'model': f'random states, {args.layers}×{d}'}
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(args.out, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for _ in range(args.layers):
            for start in range(0, n, BLOCK):
                rows = min(BLOCK, n - start)
                f.write(rng.standard_normal((rows, d), dtype=np.float32).tobytes())
        f.write(segments.tobytes())
        f.write(symbols.tobytes())
    print(f'{args.out}: {n} positions, {args.layers} layers × {d}, {os.path.getsize(args.out) / 2**30:.2f} GiB')


if __name__ == '__main__':
    main()

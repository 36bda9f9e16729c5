#!/usr/bin/python3
"""Write the fixtures of `memsig import` (run by hand; PyTorch is a reference, never a dependency).

    /usr/bin/python3 scripts/import_fixtures.py [--out test/fixtures/import]

Two tiny character models, each saved in the three formats memsig imports, as a user would find them:

  lstm/  a 2-layer nn.LSTM stacked in one module, modules named encoder / lstm / decoder; the alphabet has capitals,
         digits and a newline and travels inside every file (safetensors metadata, model.json userDefinedMetadata,
         ONNX metadata_props).
  gru/   a ModuleList of two one-layer nn.GRUs named emb / rnns.{0,1} / out, the output layer tied to the embedding
         and without bias; the alphabet is in separate files (alphabet.txt one symbol per line, alphabet.json a
         {char: id} map). Also the other GRU, whose reset gate scales h before the recurrent product (Keras
         reset_after=False, ONNX linear_before_reset=0), on the same weights: keras-reset-before/,
         model-reset-before.onnx (the export with that attribute set to 0) and expected-reset-before.safetensors
         (logits of a numpy forward in that GRU's equations; PyTorch has no such cell).
  Both also as keras-hard-sigmoid/ (TensorFlow.js's default gates, Keras 2's hard sigmoid 0.2·x + 0.5 clipped) with
  expected-hard-sigmoid.safetensors from a numpy forward.

Per model: pytorch.safetensors (the state_dict as safetensors writes it: a tied tensor once), model.onnx
(torch.onnx.export), keras/model.json + keras/weights.bin (a TensorFlow.js layers model written from the same
weights in Keras's layouts, since TensorFlow is not installable here) and expected.safetensors: the PyTorch logits
(T, B, V) on fixed ids (T, B). The Keras files are checked here by a numpy forward in Keras's own equations.
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

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from torch_safetensors import save_file  # noqa: E402

torch.set_num_threads(1)

LSTM_ALPHABET = list("\n !',.?0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
GRU_ALPHABET = list("abcdefghijklmnopqrstuvwxyz#'. ")
T, B = 12, 2


class StackedLstmLm(nn.Module):
    def __init__(self, vocab, embed, units):
        super().__init__()
        self.encoder = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, units, 2, batch_first=True)
        self.decoder = nn.Linear(units, vocab)

    def forward(self, ids):  # ids (B, T) → logits (B, T, V)
        out = self.lstm(self.encoder(ids))[0]
        # Flattened, the projection exports as a Gemm (the GRU's, on 3-D input, as a MatMul).
        flat = self.decoder(out.reshape(-1, out.shape[-1]))
        return flat.reshape(out.shape[0], out.shape[1], -1)


class ListGruLm(nn.Module):
    def __init__(self, vocab, units):
        super().__init__()
        self.emb = nn.Embedding(vocab, units)
        self.rnns = nn.ModuleList([nn.GRU(units, units, 1, batch_first=True) for _ in range(2)])
        self.out = nn.Linear(units, vocab, bias=False)
        self.out.weight = self.emb.weight  # tied

    def forward(self, ids):
        x = self.emb(ids)
        for rnn in self.rnns:
            x = rnn(x)[0]
        return self.out(x)


def numpy_of(t):
    return t.detach().cpu().numpy().astype(np.float32)


# ---- Keras / TensorFlow.js layouts and a numpy forward in Keras's equations --------------------------------------

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def keras_lstm_weights(w_ih, w_hh, b_ih, b_hh):
    # PyTorch rows i, f, g, o are Keras's columns i, f, c, o: only the transpose and the one bias differ.
    return [w_ih.T.copy(), w_hh.T.copy(), (b_ih + b_hh).copy()]


def keras_gru_weights(w_ih, w_hh, b_ih, b_hh):
    # PyTorch rows r, z, n → Keras columns z, r, h; reset_after=True keeps an input and a recurrent bias (2, 3H).
    def zrh(m):
        h = m.shape[0] // 3
        return np.concatenate([m[h:2 * h], m[:h], m[2 * h:]], axis=0)

    return [zrh(w_ih).T.copy(), zrh(w_hh).T.copy(), np.stack([zrh(b_ih), zrh(b_hh)])]


def hard_sigmoid(x):
    # Keras 2's and TensorFlow.js's: 0.2·x + 0.5 clipped to [0, 1].
    return np.clip(0.2 * x + 0.5, 0, 1)


def keras_lstm_forward(x, kernel, recurrent, bias, gate=sigmoid):
    steps, batch, _ = x.shape
    units = recurrent.shape[0]
    h = np.zeros((batch, units), np.float64)
    c = np.zeros((batch, units), np.float64)
    out = []
    for t in range(steps):
        a = x[t] @ kernel + h @ recurrent + bias
        i, f, g, o = (a[:, k * units:(k + 1) * units] for k in range(4))
        c = gate(f) * c + gate(i) * np.tanh(g)
        h = gate(o) * np.tanh(c)
        out.append(h)
    return np.stack(out)


def keras_gru_forward(x, kernel, recurrent, bias, gate=sigmoid):
    steps, batch, _ = x.shape
    units = recurrent.shape[0]
    h = np.zeros((batch, units), np.float64)
    out = []
    for t in range(steps):
        xi = x[t] @ kernel + bias[0]
        hr = h @ recurrent + bias[1]
        z = gate(xi[:, :units] + hr[:, :units])
        r = gate(xi[:, units:2 * units] + hr[:, units:2 * units])
        hh = np.tanh(xi[:, 2 * units:] + r * hr[:, 2 * units:])
        h = z * h + (1 - z) * hh
        out.append(h)
    return np.stack(out)


def reset_before_gru_forward(x, w_ih, w_hh, b_ih, b_hh):
    # PyTorch layouts (rows r, z, n): n = tanh(W_in x + b_in + W_hn (r * h) + b_hn).
    steps, batch, _ = x.shape
    units = w_hh.shape[1]
    h = np.zeros((batch, units), np.float64)
    out = []
    for t in range(steps):
        xi = x[t] @ w_ih.T + b_ih
        hr = h @ w_hh[:2 * units].T + b_hh[:2 * units]
        r = sigmoid(xi[:, :units] + hr[:, :units])
        z = sigmoid(xi[:, units:2 * units] + hr[:, units:])
        n = np.tanh(xi[:, 2 * units:] + (r * h) @ w_hh[2 * units:].T + b_hh[2 * units:])
        h = (1 - z) * n + z * h
        out.append(h)
    return np.stack(out)


def linear_before_reset_0(model_bytes):
    # The exporter writes the attribute as its name then field 3 (i) = 1; set i to 0.
    name = b'linear_before_reset'
    out = bytearray(model_bytes)
    at = out.find(name)
    count = 0
    while at >= 0:
        i = at + len(name)
        if out[i:i + 2] == b'\x18\x01':
            out[i + 1] = 0
            count += 1
        at = out.find(name, i)
    if count == 0:
        raise SystemExit('no linear_before_reset attribute to patch')
    return bytes(out)


def write_tfjs(folder, topology, weights, metadata):
    """weights: [(name, array)] in manifest order → model.json + weights.bin (float32, little-endian)."""
    os.makedirs(folder, exist_ok=True)
    specs = [{'name': n, 'shape': [int(d) for d in a.shape], 'dtype': 'float32'} for n, a in weights]
    with open(os.path.join(folder, 'weights.bin'), 'wb') as f:
        for _, a in weights:
            f.write(np.ascontiguousarray(a, dtype='<f4').tobytes())
    model = {
        'format': 'layers-model',
        'generatedBy': 'scripts/import_fixtures.py',
        'convertedBy': None,
        'modelTopology': topology,
        'weightsManifest': [{'paths': ['weights.bin'], 'weights': specs}],
    }
    if metadata:
        model['userDefinedMetadata'] = metadata
    with open(os.path.join(folder, 'model.json'), 'w') as f:
        json.dump(model, f, indent=1)
        f.write('\n')


# ---- ONNX ---------------------------------------------------------------------------------------------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def with_metadata_prop(model_bytes, key, value):
    # ModelProto.metadata_props is field 14 (length-delimited); protobuf merges a field appended to a message.
    def field(number, data):
        return varint(number << 3 | 2) + varint(len(data)) + data

    entry = field(1, key.encode()) + field(2, value.encode())
    return model_bytes + field(14, entry)


def export_onnx(model, ids, path, alphabet):
    torch.onnx.export(model, (ids,), path, input_names=['ids'], output_names=['logits'], opset_version=14,
                      do_constant_folding=True, dynamic_axes={'ids': {0: 'batch', 1: 'time'}})
    if alphabet is not None:
        with open(path, 'rb') as f:
            data = f.read()
        with open(path, 'wb') as f:
            f.write(with_metadata_prop(data, 'alphabet', json.dumps(alphabet)))


# ---- the two models -----------------------------------------------------------------------------------------------

def fixed_ids(vocab, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab, (B, T), generator=g)


def write_expected(folder, ids, logits):
    # memsig's layout: ids (T, B), logits (T, B, V).
    save_file({'inputs': ids.T.contiguous().to(torch.int32), 'logits': numpy_of(logits.transpose(0, 1))},
              os.path.join(folder, 'expected.safetensors'))


def check_close(a, b, what):
    err = float(np.max(np.abs(a - b)))
    if err > 1e-5:
        raise SystemExit(f'{what}: Keras-format forward differs from PyTorch by {err}')


def make_lstm(out):
    folder = os.path.join(out, 'lstm')
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(14)
    vocab = len(LSTM_ALPHABET)
    model = StackedLstmLm(vocab, 8, 16).eval()
    ids = fixed_ids(vocab, 1)
    with torch.no_grad():
        logits = model(ids)
    sd = model.state_dict()
    save_file(dict(sd), os.path.join(folder, 'pytorch.safetensors'), {'alphabet': json.dumps(LSTM_ALPHABET)})
    write_expected(folder, ids, logits)
    export_onnx(model, ids, os.path.join(folder, 'model.onnx'), LSTM_ALPHABET)

    # Keras: Sequential [Embedding, LSTM, LSTM, Dense] as tfjs-converter writes a Keras 2 model.
    p = {k: numpy_of(v) for k, v in sd.items()}
    layers = [
        {'class_name': 'Embedding', 'config': {'name': 'embedding', 'input_dim': vocab, 'output_dim': 8}},
    ]
    weights = [('embedding/embeddings', p['encoder.weight'])]
    x = p['encoder.weight'][ids.T.numpy()].astype(np.float64)
    for k, name in enumerate(['lstm', 'lstm_1']):
        layers.append({'class_name': 'LSTM', 'config': {
            'name': name, 'units': 16, 'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True,
            'return_sequences': True, 'go_backwards': False, 'stateful': False, 'unroll': False}})
        kr = keras_lstm_weights(p[f'lstm.weight_ih_l{k}'], p[f'lstm.weight_hh_l{k}'], p[f'lstm.bias_ih_l{k}'],
                                p[f'lstm.bias_hh_l{k}'])
        weights += [(f'{name}/lstm_cell/kernel', kr[0]), (f'{name}/lstm_cell/recurrent_kernel', kr[1]),
                    (f'{name}/lstm_cell/bias', kr[2])]
        x = keras_lstm_forward(x, *kr)
    layers.append({'class_name': 'Dense', 'config': {'name': 'dense', 'units': vocab, 'activation': 'linear',
                                                     'use_bias': True}})
    weights += [('dense/kernel', p['decoder.weight'].T.copy()), ('dense/bias', p['decoder.bias'])]
    check_close(x @ p['decoder.weight'].T + p['decoder.bias'], numpy_of(logits.transpose(0, 1)), 'lstm')
    topology = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': layers},
                'keras_version': '2.15.0', 'backend': 'tensorflow'}
    write_tfjs(os.path.join(folder, 'keras'), topology, weights, {'alphabet': LSTM_ALPHABET})

    # The same weights with TensorFlow.js's default gates (hard sigmoid): logits from Keras's equations in numpy.
    x = p['encoder.weight'][ids.T.numpy()].astype(np.float64)
    for layer in layers[1:3]:
        layer['config']['recurrent_activation'] = 'hard_sigmoid'
    for k, name in enumerate(['lstm', 'lstm_1']):
        kr = [dict(weights)[f'{name}/lstm_cell/{n}'] for n in ('kernel', 'recurrent_kernel', 'bias')]
        x = keras_lstm_forward(x, *kr, gate=hard_sigmoid)
    hard_logits = x @ p['decoder.weight'].T + p['decoder.bias']
    write_tfjs(os.path.join(folder, 'keras-hard-sigmoid'), topology, weights, {'alphabet': LSTM_ALPHABET})
    save_file({'inputs': ids.T.contiguous().to(torch.int32), 'logits': hard_logits.astype(np.float32)},
              os.path.join(folder, 'expected-hard-sigmoid.safetensors'))


def make_gru(out):
    folder = os.path.join(out, 'gru')
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(15)
    vocab = len(GRU_ALPHABET)
    model = ListGruLm(vocab, 12).eval()
    ids = fixed_ids(vocab, 2)
    with torch.no_grad():
        logits = model(ids)
    # safetensors stores a tied tensor once: out.weight is emb.weight.
    sd = {k: v for k, v in model.state_dict().items() if k != 'out.weight'}
    save_file(sd, os.path.join(folder, 'pytorch.safetensors'))
    write_expected(folder, ids, logits)
    export_onnx(model, ids, os.path.join(folder, 'model.onnx'), None)
    with open(os.path.join(folder, 'alphabet.txt'), 'w') as f:
        f.write(''.join(s + '\n' for s in GRU_ALPHABET))
    with open(os.path.join(folder, 'alphabet.json'), 'w') as f:
        json.dump({s: i for i, s in enumerate(GRU_ALPHABET)}, f)
        f.write('\n')

    # Keras: a functional model (model_config wrapper, as the converter writes it for an HDF5 file), GRU
    # reset_after=True, a Dense without bias.
    p = {k: numpy_of(v) for k, v in model.state_dict().items()}
    layers = [
        {'class_name': 'InputLayer', 'name': 'ids', 'config': {'name': 'ids', 'batch_input_shape': [None, None]}},
        {'class_name': 'Embedding', 'name': 'emb', 'config': {'name': 'emb', 'input_dim': vocab, 'output_dim': 12}},
    ]
    weights = [('emb/embeddings', p['emb.weight'])]
    x = p['emb.weight'][ids.T.numpy()].astype(np.float64)
    for k in range(2):
        name = f'gru_{k}'
        layers.append({'class_name': 'GRU', 'name': name, 'config': {
            'name': name, 'units': 12, 'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True,
            'reset_after': True, 'return_sequences': True, 'go_backwards': False, 'stateful': False}})
        kr = keras_gru_weights(p[f'rnns.{k}.weight_ih_l0'], p[f'rnns.{k}.weight_hh_l0'], p[f'rnns.{k}.bias_ih_l0'],
                               p[f'rnns.{k}.bias_hh_l0'])
        weights += [(f'{name}/kernel', kr[0]), (f'{name}/recurrent_kernel', kr[1]), (f'{name}/bias', kr[2])]
        x = keras_gru_forward(x, *kr)
    layers.append({'class_name': 'Dense', 'name': 'out', 'config': {'name': 'out', 'units': vocab,
                                                                    'activation': 'softmax', 'use_bias': False}})
    weights.append(('out/kernel', p['emb.weight'].T.copy()))
    check_close(x @ p['emb.weight'].T, numpy_of(logits.transpose(0, 1)), 'gru')
    topology = {'keras_version': '2.4.0', 'backend': 'tensorflow',
                'model_config': {'class_name': 'Functional', 'config': {'name': 'model', 'layers': layers}}}
    write_tfjs(os.path.join(folder, 'keras'), topology, weights, None)

    # The same weights with hard-sigmoid gates.
    x = p['emb.weight'][ids.T.numpy()].astype(np.float64)
    for k in range(2):
        layers[2 + k]['config']['recurrent_activation'] = 'hard_sigmoid'
        kr = [dict(weights)[f'gru_{k}/{n}'] for n in ('kernel', 'recurrent_kernel', 'bias')]
        x = keras_gru_forward(x, *kr, gate=hard_sigmoid)
    write_tfjs(os.path.join(folder, 'keras-hard-sigmoid'), topology, weights, None)
    save_file({'inputs': ids.T.contiguous().to(torch.int32), 'logits': (x @ p['emb.weight'].T).astype(np.float32)},
              os.path.join(folder, 'expected-hard-sigmoid.safetensors'))
    make_gru_reset_before(folder, p, ids, vocab)


def make_gru_reset_before(folder, p, ids, vocab):
    x = p['emb.weight'][ids.T.numpy()].astype(np.float64)
    layers = [{'class_name': 'Embedding', 'config': {'name': 'emb', 'input_dim': vocab, 'output_dim': 12}}]
    weights = [('emb/embeddings', p['emb.weight'])]
    for k in range(2):
        w_ih, w_hh, b_ih, b_hh = (p[f'rnns.{k}.{n}_l0'] for n in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'))
        x = reset_before_gru_forward(x, w_ih, w_hh, b_ih, b_hh)
        # Keras reset_after=False has one bias (3H): both of PyTorch's add unscaled in this cell.
        kernel, recurrent, _ = keras_gru_weights(w_ih, w_hh, b_ih, b_hh)
        bias = keras_gru_weights(w_ih, w_hh, b_ih + b_hh, b_hh)[2][0]
        name = f'gru_{k}'
        layers.append({'class_name': 'GRU', 'config': {
            'name': name, 'units': 12, 'activation': 'tanh', 'recurrent_activation': 'sigmoid', 'use_bias': True,
            'reset_after': False, 'return_sequences': True}})
        weights += [(f'{name}/kernel', kernel), (f'{name}/recurrent_kernel', recurrent), (f'{name}/bias', bias)]
    logits = x @ p['emb.weight'].T
    layers.append({'class_name': 'Dense', 'config': {'name': 'out', 'units': vocab, 'use_bias': False}})
    weights.append(('out/kernel', p['emb.weight'].T.copy()))
    topology = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': layers}}
    write_tfjs(os.path.join(folder, 'keras-reset-before'), topology, weights, None)
    save_file({'inputs': ids.T.contiguous().to(torch.int32), 'logits': logits.astype(np.float32)},
              os.path.join(folder, 'expected-reset-before.safetensors'))
    with open(os.path.join(folder, 'model.onnx'), 'rb') as f:
        patched = linear_before_reset_0(f.read())
    with open(os.path.join(folder, 'model-reset-before.onnx'), 'wb') as f:
        f.write(patched)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join('test', 'fixtures', 'import'))
    args = parser.parse_args()
    make_lstm(args.out)
    make_gru(args.out)


if __name__ == '__main__':
    main()

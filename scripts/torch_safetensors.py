"""Minimal safetensors reader/writer for memsig's PyTorch reference scripts.

No `safetensors` package is assumed. The format:
  8-byte little-endian u64 N, then N bytes of JSON header
  {name: {"dtype": ..., "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {str: str}}
  (offsets relative to the data buffer that follows the header), then the data buffer.
Tensors are written in sorted-name order, little-endian, C order, with no gaps; the header is
padded with spaces to a multiple of 8 bytes. Output is byte-for-byte deterministic for equal input.

Only numpy is needed; torch tensors are accepted on save (converted with .detach().cpu().numpy()).
"""

import json
import struct

import numpy as np

_DTYPES = {
    'F64': np.dtype('<f8'),
    'F32': np.dtype('<f4'),
    'F16': np.dtype('<f2'),
    'I64': np.dtype('<i8'),
    'I32': np.dtype('<i4'),
    'I16': np.dtype('<i2'),
    'I8': np.dtype('i1'),
    'U64': np.dtype('<u8'),
    'U32': np.dtype('<u4'),
    'U16': np.dtype('<u2'),
    'U8': np.dtype('u1'),
    'BOOL': np.dtype('?'),
}


def _code_of(dtype):
    dtype = np.dtype(dtype)
    for code, dt in _DTYPES.items():
        if dt.kind == dtype.kind and dt.itemsize == dtype.itemsize:
            return code
    raise ValueError(f'unsupported dtype for safetensors: {dtype}')


def to_numpy(value):
    """A torch tensor or anything array-like as a numpy array (no copy when possible)."""
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def save_file(tensors, path, metadata=None):
    """Write {name: array or torch tensor} (+ optional {str: str} metadata) to `path`."""
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        if name == '__metadata__':
            raise ValueError('"__metadata__" is reserved')
        arr = to_numpy(tensors[name])
        code = _code_of(arr.dtype)
        data = np.ascontiguousarray(arr, dtype=_DTYPES[code]).tobytes()
        header[name] = {'dtype': code, 'shape': [int(d) for d in arr.shape],
                        'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        meta = {}
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise ValueError(f'metadata must be str -> str, got {k!r}: {v!r}')
            meta[k] = v
        header = {'__metadata__': meta, **header}
    text = json.dumps(header, separators=(',', ':'), ensure_ascii=True).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for data in chunks:
            f.write(data)


def load_file(path):
    """Read `path`; returns ({name: numpy array (own copy, writable)}, metadata dict)."""
    with open(path, 'rb') as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f'{path}: too short for a safetensors file')
    (n,) = struct.unpack('<Q', raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f'{path}: header length {n} runs past the end of the file')
    header = json.loads(raw[8:8 + n].decode('utf-8'))
    metadata = header.pop('__metadata__', None) or {}
    buf = memoryview(raw)[8 + n:]
    tensors = {}
    for name, info in header.items():
        code = info['dtype']
        if code not in _DTYPES:
            raise ValueError(f'{path}: tensor {name!r} has unsupported dtype {code}')
        dt = _DTYPES[code]
        begin, end = info['data_offsets']
        shape = tuple(info['shape'])
        count = int(np.prod(shape, dtype=np.int64))
        if end - begin != count * dt.itemsize or end > len(buf):
            raise ValueError(f'{path}: tensor {name!r} has inconsistent data_offsets')
        tensors[name] = np.frombuffer(buf[begin:end], dtype=dt).reshape(shape).copy()
    return tensors, metadata

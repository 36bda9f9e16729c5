// Picks the GEMM backend: onnxruntime on Node when it loads, else the portable TypeScript one.

import { type Gemm, tsGemm } from '../core/gemm.js';
import { OnnxGemm, onnxLoadError } from './onnx-gemm.js';

export type BackendName = 'auto' | 'onnx' | 'ts';

export function createGemm(name: BackendName = 'auto', threads?: number): Gemm {
  if (name === 'ts') return tsGemm;
  if (name === 'onnx' || onnxLoadError() === '') return new OnnxGemm({ threads });
  return tsGemm;
}

export { OnnxGemm, onnxLoadError };

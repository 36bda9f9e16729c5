// Scalar activations shared by the recurrent kernels. Tiny on purpose: hot loops may inline the same math.

/**
 * Logistic sigmoid 1/(1+e^(−x)), stable for every finite x: for x ≪ 0, e^(−x) overflows to +Infinity and the
 * quotient is exactly 0 (never NaN); for x ≫ 0 it rounds to 1. Accurate well beyond float32 precision.
 */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Hyperbolic tangent (Math.tanh: correctly saturates to ±1, no overflow). */
export function tanh(x: number): number {
  return Math.tanh(x);
}

/** d sigmoid/dx expressed through the output y = sigmoid(x): y·(1−y). */
export function sigmoidGradFromOutput(y: number): number {
  return y * (1 - y);
}

/** d tanh/dx expressed through the output y = tanh(x): 1−y². */
export function tanhGradFromOutput(y: number): number {
  return 1 - y * y;
}

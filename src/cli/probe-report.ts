// What `memsig signature` prints after its table for --capacity-sweep and --mdl: per layer the mean accuracy over δ
// of each decoder size, and per δ the online code length in bits per position.

import type { Signature } from '../analysis/signature-types.js';

function sizeName(factor: number): string {
  return factor === 0 ? 'linear' : `${factor}×`;
}

/** Lines for the probe measurements a signature holds (none without them). */
export function probeLines(sig: Signature): string[] {
  const lines: string[] = [];
  const swept = sig.layers.filter((l) => l.capacity?.length);
  if (swept.length > 0) {
    lines.push('capacity sweep: mean eval accuracy over δ by decoder size (parameters), * on the front at every δ');
    for (const l of swept) {
      const sizes = l.capacity!.map((p) => {
        const mean = p.deltas.reduce((a, d) => a + d.accuracy, 0) / p.deltas.length;
        const front = p.deltas.every((d) => d.front) ? '*' : '';
        return `${sizeName(p.factor)} (${p.parameters.toLocaleString('en-US')}) ${(100 * mean).toFixed(1)}${front}`;
      });
      lines.push(`   layer ${l.layer}: ${sizes.join(', ')}`);
    }
  }
  const coded = sig.layers.filter((l) => l.deltas.every((d) => d.onlineCode));
  if (coded.length > 0) {
    const first = coded[0]!.deltas[0]!.onlineCode!;
    lines.push(
      `online code length (bits per position; uniform code ${first.uniformBitsPerPosition.toFixed(2)}, prior code per δ in the last column)`,
    );
    const heads = [...coded.map((l) => `layer ${l.layer}`), 'prior'];
    const width = Math.max(7, ...heads.map((h) => h.length));
    const cell = (t: string) => t.padStart(width);
    lines.push(`${'δ'.padStart(4)}  ${heads.map(cell).join('  ')}`);
    for (let i = 0; i < sig.maxDelta; i++) {
      const values = coded.map((l) => l.deltas[i]!.onlineCode!.bitsPerPosition.toFixed(3));
      values.push(coded[0]!.deltas[i]!.onlineCode!.priorBitsPerPosition.toFixed(3));
      lines.push(`${String(i + 1).padStart(4)}  ${values.map(cell).join('  ')}`);
    }
  }
  return lines;
}

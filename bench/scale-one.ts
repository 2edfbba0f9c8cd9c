// One point of the scale table, in a process of its own so that its peak
// memory is its own: derive, generate TypeScript, compile and load.
import { loadTrainer } from '../src/compile/compile.ts';
import { compileNetwork, renderTypeScript } from '../src/pipeline.ts';
import type { Network } from '../src/spec/types.ts';

export function scaleNetwork(kind: 'width' | 'depth', n: number): Network {
  const layer = (units: number, activation: string, bias = true) => ({ units, bias, activation: { kind: activation } });
  return (kind === 'width'
    ? { name: 'width', source: 'bench', input: 784, layers: [layer(n, 'sigmoid'), layer(10, 'sigmoid')], loss: 'half-squared' }
    : { name: 'depth', source: 'bench', input: 1, layers: Array.from({ length: n }, () => layer(1, 'tanh', false)), loss: 'half-squared' }) as unknown as Network;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [kind, size] = [process.argv[2] as 'width' | 'depth', Number(process.argv[3])];
  const network = scaleNetwork(kind, size);
  const t0 = performance.now();
  const compiled = compileNetwork(network);
  const t1 = performance.now();
  const source = renderTypeScript(compiled);
  const t2 = performance.now();
  const mod = await loadTrainer(source);
  const t3 = performance.now();
  if (mod.paramCount <= 0) throw new Error('no parameters');
  process.stdout.write(`${JSON.stringify({ derive: t1 - t0, generate: t2 - t1, compile: t3 - t2, total: t3 - t0, peakMB: process.resourceUsage().maxRSS / 1024, bytes: source.length })}\n`);
}

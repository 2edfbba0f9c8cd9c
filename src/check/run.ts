// The whole check for one network: generate, type-check, load, compare.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTrainer, typecheck } from '../compile/compile.ts';
import { compileNetwork, renderTypeScript } from '../pipeline.ts';
import type { Network } from '../spec/types.ts';
import type { UnrollMode } from '../render/typescript.ts';
import { checkTrainer, FINITE_DIFFERENCE_SAMPLE, FINITE_DIFFERENCE_TOLERANCE, REFERENCE_TOLERANCE, type CheckReport } from './check.ts';

export interface FullCheckReport extends CheckReport {
  readonly typecheck: { readonly ok: boolean; readonly output: string };
}

export interface CheckOptions {
  readonly points?: number;
  readonly seed?: number;
  readonly unroll?: UnrollMode;
  /** Type-check the module (default true). Strict checking of a fully unrolled 784-30-10 takes about a minute. */
  readonly typecheck?: boolean;
}

export async function checkNetwork(network: Network, options: CheckOptions = {}): Promise<FullCheckReport> {
  const source = renderTypeScript(compileNetwork(network), { unroll: options.unroll ?? 'auto' });
  if (options.typecheck === false) {
    const report = checkTrainer(network, await loadTrainer(source), options);
    return { ...report, typecheck: { ok: true, output: 'not type-checked (asked not to)' } };
  }
  const dir = mkdtempSync(join(tmpdir(), 'deltagen-check-'));
  let tc;
  try {
    const file = join(dir, `${network.name}.ts`);
    writeFileSync(file, source);
    tc = typecheck([file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const report = checkTrainer(network, await loadTrainer(source), options);
  return { ...report, typecheck: tc, passed: report.passed && tc.ok };
}

export function formatCheckReport(r: FullCheckReport): string {
  const lines = [
    `${r.network}: ${r.points} random points; scaled error |g - r| / max(1, |r|); finite differences on at most ${FINITE_DIFFERENCE_SAMPLE} parameters a point`,
    `  TypeScript strict type-check: ${r.typecheck.ok ? 'ok' : `FAILED\n${r.typecheck.output}`}`,
    `  loss vs reference: ${r.loss.toExponential(2)}`,
    `  ${'parameter'.padEnd(10)} ${'vs reference'.padStart(13)} ${'vs finite diff'.padStart(15)}`,
    ...r.parameters.map((p) => `  ${p.name.padEnd(10)} ${p.reference.toExponential(2).padStart(13)} ${p.finiteDifference.toExponential(2).padStart(15)}`),
    `  limits: ${REFERENCE_TOLERANCE} against the reference, ${FINITE_DIFFERENCE_TOLERANCE} against finite differences`,
    `  ${r.passed ? 'PASSED' : 'FAILED'}`,
  ];
  return `${lines.join('\n')}\n`;
}

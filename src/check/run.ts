// The whole check for one network: generate, type-check, load, compare.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModule, typecheckAsync, type TypecheckResult } from '../compile/compile.ts';
import { interruptible } from '../io/process.ts';
import { compileNetwork, renderJavaScript, renderTypeScript } from '../pipeline.ts';
import { isGraph, type AnyNetwork } from '../spec/graph-types.ts';
import { graphOracle } from './graph.ts';
import type { UnrollMode } from '../render/typescript.ts';
import { chainOracle, checkAgainst, FINITE_DIFFERENCE_SAMPLE, FINITE_DIFFERENCE_TOLERANCE, REFERENCE_TOLERANCE, type CheckReport } from './check.ts';

export interface FullCheckReport extends CheckReport {
  readonly typecheck: TypecheckResult;
}

export interface CheckOptions {
  readonly points?: number;
  readonly seed?: number;
  readonly unroll?: UnrollMode;
  /** Type-check the module (default true). Strict checking of a fully unrolled 784-30-10 takes about a minute. */
  readonly typecheck?: boolean;
  /** Told as each stage starts (the stages run synchronously, so a progress line can only be drawn between them). */
  readonly onStage?: (stage: string) => void;
}

/**
 * Type-check the TypeScript module and compare the gradients of the same
 * module, loaded from its JavaScript rendering, with the reference and with
 * finite differences.
 */
export async function checkNetwork(network: AnyNetwork, options: CheckOptions = {}): Promise<FullCheckReport> {
  const stage = options.onStage ?? ((): void => {});
  stage('deriving');
  const compiled = compileNetwork(network);
  const code = { unroll: options.unroll ?? 'auto' } as const;
  if (options.typecheck !== false) stage('type-checking the trainer (strict)');
  const tc = options.typecheck === false
    ? { ok: true, output: 'not type-checked (asked not to)', skipped: 'asked not to' }
    : await typecheckSource(network.name, renderTypeScript(compiled, code));
  stage('loading the trainer');
  const trainer = await loadModule(renderJavaScript(compiled, code));
  stage('comparing with the reference and finite differences');
  const report = checkAgainst(isGraph(network) ? graphOracle(network) : chainOracle(network), trainer, options);
  return { ...report, typecheck: tc, passed: report.passed && tc.ok };
}

const STOPPED = 'the type-checker was stopped and its temporary files removed';

/**
 * Type-check one module's source, written to a temporary folder that is removed
 * afterwards. Ctrl-C (or SIGTERM) during the check ends the compiler, removes the
 * folder and throws Interrupted (exit 130 or 143 from the command line).
 */
export function typecheckSource(name: string, source: string): Promise<TypecheckResult> {
  return interruptible(STOPPED, async (signal) => {
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-check-'));
    try {
      const file = join(dir, `${name}.ts`);
      writeFileSync(file, source);
      return await typecheckAsync([file], signal);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

export function formatCheckReport(r: FullCheckReport): string {
  const lines = [
    `${r.network}: ${r.points} random points; scaled error |g - r| / max(1, |r|); finite differences on at most ${FINITE_DIFFERENCE_SAMPLE} parameters a point${r.finiteDifferencesOf === 'trainer' ? ', of the trainer\'s loss (checked against the reference\'s at every point; the reference is too slow at this size)' : ''}`,
    `  TypeScript strict type-check: ${r.typecheck.skipped ? `skipped: ${r.typecheck.skipped}` : r.typecheck.ok ? 'ok' : `FAILED\n${r.typecheck.output}`}`,
    `  loss vs reference: ${r.loss.toExponential(2)}`,
    `  ${'parameter'.padEnd(10)} ${'vs reference'.padStart(13)} ${'vs finite diff'.padStart(15)}`,
    ...r.parameters.map((p) => `  ${p.name.padEnd(10)} ${p.reference.toExponential(2).padStart(13)} ${p.finiteDifference.toExponential(2).padStart(15)}`),
    `  limits: ${REFERENCE_TOLERANCE} against the reference, ${FINITE_DIFFERENCE_TOLERANCE} against finite differences`,
    `  ${r.passed ? 'PASSED' : 'FAILED'}`,
  ];
  return `${lines.join('\n')}\n`;
}

// npm run bench: the speed table (medians, ratios with generated = 1), the
// speed goals beside their measured ratios, and the scale table; writes
// bench/results.json. Also CLI start-up against the previous release.
// Also the sequence models (an Elman RNN and the LSTM of the examples): the
// generated graph module against the generic graph loops and TensorFlow.js cpu.
// Options: --quick (fewer rounds), --no-scale, --startup (start-up only),
// --graph (the sequence models only; updates their key in bench/results.json),
// --adam (the Adam rows only; likewise).
import { cpus, totalmem } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEPTHS, WIDTHS, exponent, measure, type ScalePoint } from './scale.ts';
import { ADAM_BATCH, ADAM_NETS, IMPLS, adamRow, formatNs, speedTable, type AdamRow, type Impl, type SpeedRow } from './speed.ts';
import { NETWORKS } from './networks.ts';
import { progress } from '../src/cli/progress.ts';
import { PREVIOUS_RELEASE, startupTable, type StartupRow } from './startup.ts';
import { graphSpeedTable, printGraphSpeed, type GraphSpeedRow } from './graph-speed.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const log = (s: string): void => { process.stdout.write(`${s}\n`); };
const machine = `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ${process.platform}`;

interface Goal { readonly what: string; readonly goal: number; readonly measured?: number; readonly unit: string; readonly met?: boolean; readonly higherIsBetter: boolean }

const ratio = (rows: SpeedRow[], net: string, impl: Impl): number | undefined => {
  const r = rows.find((x) => x.net === net);
  return r?.ns[impl] !== undefined && r.ns.generated ? r.ns[impl]! / r.ns.generated : undefined;
};

function speedGoals(rows: SpeedRow[]): Goal[] {
  const g = (what: string, goal: number, measured: number | undefined): Goal => ({ what, goal, measured, unit: '×', higherIsBetter: true, met: measured === undefined ? undefined : measured >= goal });
  const out: Goal[] = [];
  for (const [net, goal] of [['1-1', 3.5], ['2-3-1', 1.5], ['4-16-3', 2], ['16-256-8', 1.0], ['784-30-10', 1.2]] as const) out.push(g(`vs generic loops, ${net}`, goal, ratio(rows, net, 'generic')));
  for (const net of ['2-3-1', '4-16-3']) {
    out.push(g(`vs synaptic, ${net}`, 1.3, ratio(rows, net, 'synaptic')), g(`vs brain.js, ${net}`, 2.5, ratio(rows, net, 'brain.js')), g(`vs TensorFlow.js cpu, ${net}`, 500, ratio(rows, net, 'tfjs-cpu')));
    // "within 2× of gcc": gcc's time over ours must be at least 1/2.
    out.push(g(`within 2× of gcc -O3, ${net} (gcc/generated)`, 0.5, ratio(rows, net, 'gcc -O3')));
  }
  return out;
}

function printSpeed(rows: SpeedRow[]): void {
  const w = 14;
  log(`\nTime per SGD step (median of alternating rounds); ratio = peer / generated (higher: generated faster)`);
  log(`${'network'.padEnd(10)} ${'form'.padEnd(6)} ${IMPLS.map((i) => i.padStart(w)).join(' ')}`);
  for (const r of rows) {
    log(`${r.net.padEnd(10)} ${r.mode.padEnd(6)} ${IMPLS.map((i) => (r.ns[i] === undefined ? 'n/a' : formatNs(r.ns[i]!)).padStart(w)).join(' ')}`);
    log(`${''.padEnd(17)} ${IMPLS.map((i) => (r.ns[i] === undefined ? '' : `${(r.ns[i]! / r.ns.generated!).toPrecision(3)}×`).padStart(w)).join(' ')}`);
  }
  const notes = rows.flatMap((r) => Object.entries(r.notes).filter(([, n]) => n).map(([i, n]) => `${r.net} ${i}: ${n}`));
  if (notes.length) log(`notes: ${notes.join('; ')}`);
  log(`agreement after 100 steps (max |Δparam|): ${rows.map((r) => `${r.net} generic ${r.agreement.generic.toExponential(1)}${r.agreement.c === undefined ? '' : `, C ${r.agreement.c.toExponential(1)}`}`).join('; ')}`);
}

function printGoals(goals: Goal[]): void {
  log('\nGoals');
  for (const g of goals) {
    const m = g.measured === undefined ? 'not measured' : `${g.measured.toPrecision(3)}${g.unit}`;
    log(`  ${g.what.padEnd(48)} goal ${g.higherIsBetter ? '≥' : '≤'} ${String(g.goal).padEnd(6)} measured ${m.padEnd(12)} ${g.met === undefined ? 'BLOCKED' : g.met ? 'met' : `MISSED by ${g.higherIsBetter ? `${((1 - g.measured! / g.goal) * 100).toFixed(1)}%` : `${((g.measured! / g.goal - 1) * 100).toFixed(1)}%`}`}`);
  }
}

function scaleTable(): { points: ScalePoint[]; goals: Goal[] } {
  const points: ScalePoint[] = [];
  log('\nScale of the tool: derive + generate + compile (esbuild + import), each in a fresh process');
  log(`${'network'.padEnd(16)} ${'derive'.padStart(9)} ${'generate'.padStart(9)} ${'compile'.padStart(9)} ${'total'.padStart(9)} ${'peak RSS'.padStart(9)} ${'source'.padStart(9)}`);
  for (const [kind, sizes] of [['width', WIDTHS], ['depth', DEPTHS]] as const) {
    for (const n of sizes) {
      const p = measure(kind, n);
      points.push(p);
      const label = kind === 'width' ? `784-${n}-10` : `chain of ${n}`;
      log(`${label.padEnd(16)} ${p.derive.toFixed(0).padStart(6)} ms ${p.generate.toFixed(0).padStart(6)} ms ${p.compile.toFixed(0).padStart(6)} ms ${p.total.toFixed(0).padStart(6)} ms ${p.peakMB.toFixed(0).padStart(6)} MB ${(p.bytes / 1024).toFixed(0).padStart(6)} KB`);
    }
  }
  const fit = (kind: string, key: 'total' | 'peakMB'): number => exponent(points.filter((p) => p.kind === kind).map((p) => ({ x: p.n, y: p[key] })));
  log(`growth exponent of time: width ${fit('width', 'total').toFixed(2)}, depth ${fit('depth', 'total').toFixed(2)}; of peak memory: width ${fit('width', 'peakMB').toFixed(2)}, depth ${fit('depth', 'peakMB').toFixed(2)}`);
  const w100 = measure('width', 100);
  const d500 = points.find((p) => p.kind === 'depth' && p.n === 500)!;
  const le = (what: string, goal: number, measured: number, unit: string): Goal => ({ what, goal, measured, unit, higherIsBetter: false, met: measured <= goal });
  return { points, goals: [
    le('784-100-10 derive+generate+compile (s)', 2, w100.total / 1000, ' s'), le('784-100-10 peak memory (MB)', 500, w100.peakMB, ' MB'),
    le('500-layer chain derive+generate+compile (s)', 2, d500.total / 1000, ' s'),
    le('growth exponent, width', 1.2, fit('width', 'total'), ''), le('growth exponent, depth', 1.2, fit('depth', 'total'), ''),
  ] };
}

function startupGoals(): { rows: StartupRow[]; goals: Goal[] } {
  log(`\nCLI start-up: wall time of the whole command, fresh processes, median of 7; previous release = ${PREVIOUS_RELEASE} (sources through tsx)`);
  log(`${'command'.padEnd(40)} ${'now'.padStart(8)} ${'previous'.padStart(9)} ${'speed-up'.padStart(9)}`);
  const rows = startupTable(7, (r) => log(`${r.command.padEnd(40)} ${`${r.current.toFixed(2)} s`.padStart(8)} ${(r.previous === undefined ? 'n/a' : `${r.previous.toFixed(2)} s`).padStart(9)} ${(r.previous === undefined ? '' : `${(r.previous / r.current).toFixed(1)}×`).padStart(9)}`));
  return { rows, goals: rows.map((r) => ({ what: `start-up, ${r.command} (s)`, goal: r.goal, measured: r.current, unit: ' s', higherIsBetter: false, met: r.current <= r.goal })) };
}

async function adamSection(): Promise<{ rows: AdamRow[]; goals: Goal[] }> {
  log('\nAdam step beside the SGD step (the same generated module, alternating rounds; ratio = Adam / SGD, lower is better)');
  const rows: AdamRow[] = [];
  for (const net of ADAM_NETS) rows.push(await adamRow(NETWORKS.find((b) => b.label === net)!, quick ? 3 : 9, quick ? 10 : 25, log));
  const goal = (what: string, measured: number): Goal => ({ what, goal: 1.3, measured, unit: '×', higherIsBetter: false, met: measured <= 1.3 });
  return { rows, goals: rows.flatMap((r) => [
    goal(`Adam / SGD step, one example, ${r.net}`, r.adam / r.sgd),
    goal(`Adam / SGD step, batch of ${ADAM_BATCH}, ${r.net}`, r.adamBatch / r.sgdBatch),
  ]) };
}

/** Replaces one key of an existing bench/results.json (a section run alone), keeping the rest. */
function writeSection(out: string, key: string, value: unknown): void {
  let previous: Record<string, unknown> = {};
  try { if (existsSync(out)) previous = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>; } catch { previous = {}; }
  writeFileSync(out, `${JSON.stringify({ ...previous, [key]: value }, null, 2)}\n`);
  log(`wrote the ${key} rows to ${out}`);
}

log(`deltagen bench on ${machine}`);
const started = performance.now();
const out = fileURLToPath(new URL('./results.json', import.meta.url));
const sequenceRows = async (): Promise<GraphSpeedRow[]> => {
  log('\nSequence models (time per SGD step of one sequence)');
  // More and longer samples than the chain table (a TF.js step takes milliseconds), after a
  // warm-up of a second (a large generated function is optimized late). About 20 s (--quick: 8 s).
  const rows = await graphSpeedTable(quick ? 5 : 15, quick ? 20 : 50, quick ? 500 : 1000, log);
  printGraphSpeed(rows, log);
  return rows;
};
if (args.includes('--graph')) {
  // This section alone: its rows replace the `sequence` key of an existing results.json, the rest is kept.
  const sequence = await sequenceRows();
  log(`\nbench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  writeSection(out, 'sequence', { machine, date: new Date().toISOString(), rows: sequence });
  process.exit(0);
}
if (args.includes('--adam')) {
  // The Adam section alone: its rows replace the `adam` key of an existing results.json.
  const adam = await adamSection();
  printGoals(adam.goals);
  log(`\nbench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  writeSection(out, 'adam', adam.rows);
  process.exit(0);
}
const startup = startupGoals();
if (args.includes('--startup')) {
  printGoals(startup.goals);
  process.exit(0);
}
// Progress on standard error: a bar on a terminal, quiet lines otherwise, nothing with --quiet.
const bar = progress('bench', args.includes('--quiet'), 'networks');
const rows = await speedTable(quick ? 3 : 9, quick ? 10 : 25, log, (done, total, net) => bar.update(done, total, `measured ${net}`));
bar.stop();
printSpeed(rows);
const { rows: adamRows, goals: adamGoals } = await adamSection();
const goals = [...speedGoals(rows), ...adamGoals];
const sequence = await sequenceRows();
const scale = args.includes('--no-scale') ? undefined : scaleTable();
printGoals([...startup.goals, ...goals, ...(scale?.goals ?? [])]);
log(`\nbench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
writeFileSync(out, `${JSON.stringify({ machine, date: new Date().toISOString(), startup: startup.rows, speed: rows, adam: adamRows, sequence: { machine, date: new Date().toISOString(), rows: sequence }, scale: scale?.points, goals: [...startup.goals, ...goals, ...(scale?.goals ?? [])] }, null, 2)}\n`);
log(`wrote ${out}`);

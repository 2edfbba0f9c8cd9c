// deltagen verify: read a hand-derived formula, compare it with the true
// derivative at seeded random points, try to prove it with the CAS, and, when
// it differs, say what the right formula is and what was likely left out.
import { derive, type Derivation } from '../derive/derive.ts';
import { buildGraph } from '../graph/build.ts';
import { UserError } from '../errors.ts';
import { isGraph, type AnyNetwork } from '../spec/graph-types.ts';
import { verifyGraph } from './graph.ts';
import type { FNode } from './ast.ts';
import { nodesOf } from './ast.ts';
import { symbolicAlgebra } from './algebra.ts';
import { NetInfo, parseQuantity, type Quantity } from './context.ts';
import { splitEquation } from './equation.ts';
import { FormulaError, SyntaxProblem, asFormulaError } from './errors.ts';
import { describeExpected, type ExpectedText } from './describe.ts';
import { findHints } from './hints.ts';
import { interpret } from './interp.ts';
import { parseLatexFormula } from './latex-front.ts';
import { parseMathjsFormula } from './mathjs-front.ts';
import { makePoints, DEFAULT_POINTS } from './points.ts';
import { DEFAULT_NOTATION, printLatex, printMathjs, type Notation, type PrintStyle } from './print.ts';
import { MAX_PROOF_ELEMENTS, prove, type Pair } from './proof.ts';
import { firstMismatch, shapeMismatch, simplestCounterexample, type Counterexample, type Mismatch } from './compare.ts';
import { resolveTree } from './resolve.ts';
import { readJuxtapositions } from './shape.ts';
import { makeTask, type Assignment, type Task } from './task.ts';
import { makeTruth, type Truth } from './truth.ts';

export type Verdict = 'equivalent' | 'numerically-equal' | 'different';
export type { Counterexample } from './compare.ts';

export interface VerifyOptions {
  readonly wrt: string;
  readonly of?: string;
  readonly formula?: string;
  readonly latex?: string;
  readonly update?: boolean;
  /** Random points (at least 20). */
  readonly points?: number;
  readonly seed?: number;
  /** Overall time budget in ms for the symbolic step and the hints. */
  readonly timeLimitMs?: number;
}

/** One way to read an ambiguous formula, and what it gives. */
export interface Reading {
  readonly formula: string;
  readonly latex: string;
  /** right: equal to the derivative at every point; different: not; shapes: they do not fit. */
  readonly outcome: 'right' | 'different' | 'shapes';
  /** The reading the verdict is about. */
  readonly taken: boolean;
}

export interface VerifyResult {
  readonly verdict: Verdict;
  readonly form: Task['form'];
  readonly of: string;
  readonly wrt: string;
  readonly update: boolean;
  /** The formula as it was read, printed back in both syntaxes. */
  readonly read: { readonly formula: string; readonly latex: string };
  /** When the text reads two sensible ways (⊙ against juxtaposition): each, with what it gives. */
  readonly readings?: readonly Reading[];
  readonly counterexample: Counterexample | null;
  /** Why the shapes do not fit, when they do not. */
  readonly shapes?: string;
  readonly expected: ExpectedText | null;
  /** What differs from the right formula, where a single change was found that makes it right. */
  readonly differs: readonly string[];
  readonly proof: string;
  readonly points: number;
  readonly elements: number;
  readonly notes: readonly string[];
}

export const DEFAULT_TIME_LIMIT_MS = 5000;

/** Layers above the parameter that a proof writes δ out through; deeper networks get the numeric verdict. */
export const MAX_PROOF_LAYERS = 200;

type Flag = '--formula' | '--latex';

interface Parsed {
  /** The readings, the conventional one first. */
  readonly trees: readonly FNode[];
  readonly notation: Notation;
  readonly lhs?: string;
}

/** Read the formula text (either syntax, optional left-hand side) into formula trees. `layer` is what l stands for. */
export function readFormula(text: string, flag: Flag, depth: number, update: boolean, layer?: number): Parsed {
  return asFormulaError(flag, text, () => {
    const eq = splitEquation(text);
    if (eq.lhsIsUpdate && !update) throw new SyntaxProblem('the left-hand side is the next iterate W(k+1): add --update', 0);
    if (eq.rhs.trim() === '') throw new SyntaxProblem('the formula is empty', eq.offset);
    // f(x) = … defines a function: refused, unless it is the parameter's next iterate W(k+1).
    const definition = eq.lhs?.match(/^\s*([A-Za-z_]\w*)\s*\(([^()]*)\)\s*$/);
    if (flag === '--formula' && definition && !(update && /^[Wb]\d+$/.test(definition[1]!))) {
      throw new SyntaxProblem(`definitions are not allowed: "${eq.lhs!.trim()} ="`, eq.lhs!.search(/\S/));
    }
    const lhs = eq.lhs ? { lhs: eq.lhs } : {};
    if (flag === '--latex') {
      const p = parseLatexFormula(eq.rhs, { depth, offset: eq.offset, ...(layer !== undefined ? { layer } : {}) });
      return { trees: [p.tree, ...p.readings], notation: p.notation, ...lhs };
    }
    return { trees: [parseMathjsFormula(eq.rhs, eq.offset)], notation: DEFAULT_NOTATION, ...lhs };
  });
}


/** A reading, resolved against the network and judged at the points. */
interface Judged {
  readonly tree: FNode;
  readonly notes: readonly string[];
  readonly usesRate: boolean;
  readonly shapes?: string;
  readonly mismatch: Mismatch | null;
}

export function verify(input: AnyNetwork, options: VerifyOptions): VerifyResult {
  if (isGraph(input)) return verifyGraph(input, options);
  const network = input;
  const started = Date.now();
  const deadline = started + (options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS);
  const info = new NetInfo(network);
  const update = options.update ?? false;
  if ((options.formula === undefined) === (options.latex === undefined)) throw new UserError('give the formula with exactly one of --formula or --latex');
  const flag: Flag = options.formula !== undefined ? '--formula' : '--latex';
  const text = (options.formula ?? options.latex)!;
  const task = makeTask(info, options.wrt, options.of, update);
  const parsed = readFormula(text, flag, info.L, update, task.wrt.layer);

  // The conventional reading must make sense; another reading that cannot be resolved is dropped.
  const resolved = parsed.trees.flatMap((t, k) => {
    try {
      const r = asFormulaError(flag, text, () => resolveTree(t, task));
      const j = readJuxtapositions(r.tree, task);
      return [{ tree: j.tree, notes: [...r.notes, ...j.notes], usesRate: r.usesRate }];
    } catch (err) {
      if (k === 0) throw err;
      return [];
    }
  });
  const notes: string[] = [];
  if (parsed.lhs !== undefined) {
    const named = lhsParameter(parsed.lhs, info);
    if (named && (named.base !== task.wrt.base || named.layer !== task.wrt.layer)) {
      throw new FormulaError(`the left-hand side is ${info.name(named.base, named.layer)} but --wrt is ${info.name(task.wrt.base, task.wrt.layer)}`, flag, text, 0);
    }
    notes.push(named ? `the left-hand side "${parsed.lhs.trim()}" names ${info.name(named.base, named.layer)}, as --wrt does` : `the left-hand side "${parsed.lhs.trim()}" was read as a label and not checked`);
  }

  let derivation: Derivation | undefined;
  const getDerivation = (): Derivation => (derivation ??= derive(buildGraph(network)));
  const truth = makeTruth(task, getDerivation);

  // A rate is drawn at random unless the formula writes a number for it.
  let fixedRate: number | undefined;
  if (update && !resolved[0]!.usesRate) {
    if (network.train?.rate !== undefined) {
      fixedRate = network.train.rate;
      notes.push(`no rate symbol (R or eta): the file's rate ${fixedRate} is used`);
    } else {
      notes.push('no rate symbol (R or eta) and no rate in the file: the rate is drawn at random');
    }
  }
  const count = Math.max(DEFAULT_POINTS, options.points ?? DEFAULT_POINTS);
  const points = makePoints(network, count, options.seed ?? 1, fixedRate);
  const elements = task.assignments.length * task.cell.rows * task.cell.cols;
  if (task.sampled) notes.push(`${task.assignments.length} of the index values are checked (a seeded sample)`);

  const judged: Judged[] = resolved.map((r) => {
    const shapes = shapeMismatch(r.tree, task);
    return { ...r, ...(shapes ? { shapes } : {}), mismatch: shapes ? null : firstMismatch(r.tree, task, truth, points) };
  });
  // Never "different" on a reading the person may not have meant: a right reading wins, then one whose shapes fit.
  const chosen = judged.find((j) => !j.shapes && !j.mismatch) ?? judged.find((j) => !j.shapes) ?? judged[0]!;
  const { tree } = chosen;
  notes.push(...chosen.notes);
  const style = printStyle(tree, parsed.notation, info, task);
  // Readings that agree need no mention, nor one whose shapes do not fit when the usual one is taken;
  // sensible readings that disagree are both answered.
  const outcomeOf = (j: Judged): Reading['outcome'] => (j.shapes ? 'shapes' : j.mismatch ? 'different' : 'right');
  const mention = judged.some((j) => j !== chosen && outcomeOf(j) !== outcomeOf(chosen) && (outcomeOf(j) !== 'shapes' || chosen !== judged[0]));
  const readings = mention ? judged.map((j): Reading => ({
    formula: printMathjs(j.tree, style),
    latex: printLatex(j.tree, style),
    outcome: outcomeOf(j),
    taken: j === chosen,
  })) : undefined;
  if (readings) notes.push(readingsNote(readings, judged, chosen));

  const base = {
    form: task.form,
    of: task.of.text,
    wrt: task.wrt.text,
    update,
    read: { formula: printMathjs(tree, style), latex: printLatex(tree, style) },
    ...(readings ? { readings } : {}),
    points: points.length,
    elements,
  };
  const expectedAt = (at?: Assignment): ExpectedText | null => {
    try {
      return describeExpected(task, getDerivation, truth, style, at);
    } catch (err) {
      if (err instanceof UserError) throw err;
      notes.push(`no printed form of the right formula: ${(err as Error).message}`);
      return null;
    }
  };

  if (chosen.shapes) {
    const differs = findHints({ tree, task, truth, points, deadline, info, style });
    return { verdict: 'different', ...base, counterexample: null, shapes: chosen.shapes, expected: expectedAt(), differs, proof: 'not attempted: the shapes do not fit', notes };
  }

  if (chosen.mismatch) {
    const counterexample = simplestCounterexample(tree, task, truth, chosen.mismatch, points);
    const differs = findHints({ tree, task, truth, points, deadline, info, style });
    return { verdict: 'different', ...base, counterexample, expected: expectedAt(counterexample.at), differs, proof: 'not attempted: the values differ', notes };
  }

  const outcome = proveFormula(tree, task, truth, deadline);
  return {
    verdict: outcome.proved ? 'equivalent' : 'numerically-equal',
    ...base,
    counterexample: null,
    expected: expectedAt(),
    differs: [],
    proof: outcome.detail,
    notes,
  };
}

/** Which reading the verdict is about, and what the other gives. */
function readingsNote(readings: readonly Reading[], judged: readonly Judged[], chosen: Judged): string {
  const taken = readings[judged.indexOf(chosen)]!;
  const others = readings.filter((r) => !r.taken).map((r) => `${r.formula} (${r.outcome === 'shapes' ? 'its shapes do not fit' : r.outcome === 'right' ? 'also right' : 'different'})`);
  const conventional = chosen === judged[0] ? 'juxtaposition before ⊙, as usually read' : 'left to right, ⊙ among the products';
  return `two readings of the text: judged ${taken.formula} (${conventional}); the other reading is ${others.join('; ')}`;
}

/** The parameter an update's left-hand side names (W(k+1), W^{(L-1)}_{i,j}(k+1)), when it reads as one. */
function lhsParameter(lhs: string, info: NetInfo): Quantity | undefined {
  const bare = lhs.replace(/\(\s*k\s*\+\s*1\s*\)\s*$/, '').trim();
  if (bare === lhs.trim()) return undefined;
  try {
    return parseQuantity(bare, '--wrt', info);
  } catch {
    return undefined;
  }
}

function printStyle(tree: FNode, notation: Notation, info: NetInfo, task: Task): PrintStyle {
  const refs = nodesOf(tree).filter((n): n is Extract<FNode, { kind: 'ref' }> => n.kind === 'ref');
  const wroteX = refs.some((r) => r.base === 'a' && r.layer === 0 && r.spelled === 'x');
  const eta = refs.some((r) => r.base === 'rate' && /eta|η/.test(r.spelled));
  return {
    depth: info.L,
    notation,
    layer: task.wrt.layer,
    input: wroteX || (notation.relative !== 'L' && !refs.some((r) => r.base === 'a')) ? 'x' : 'a0',
    rate: eta ? 'eta' : 'R',
    activations: info.network.layers.map((l) => l.activation.kind),
  };
}

function proveFormula(tree: FNode, task: Task, truth: Truth, deadline: number) {
  // A mask with ≥ is 1 where its argument is 0, relu′ and [z > 0] are 0 there: the same only off a set no random point reaches.
  if (nodesOf(tree).some((n) => n.kind === 'call' && n.inclusive)) return { proved: false, detail: 'not attempted: a mask written with ≥ or ≤ is 1 where its argument is 0, where relu′ and [z > 0] are 0' };
  const elements = task.assignments.length * task.cell.rows * task.cell.cols;
  if (task.sampled || elements > MAX_PROOF_ELEMENTS) return { proved: false, detail: `skipped: ${elements} elements (the CAS takes at most ${MAX_PROOF_ELEMENTS})` };
  // The proof writes δ out through every layer above the parameter: as deep as the network, which recursion cannot follow far.
  const through = task.info.L - task.wrt.layer;
  if (through > MAX_PROOF_LAYERS) return { proved: false, detail: `skipped: δ would be written out through ${through} layers (the proof follows at most ${MAX_PROOF_LAYERS})` };
  // When the formula names δ, compare first at the highest δ it names, kept as a symbol on both sides.
  const deltaLayers = nodesOf(tree).flatMap((n) => (n.kind === 'ref' && n.base === 'delta' ? [n.layer!] : []));
  const level = deltaLayers.length ? Math.max(...deltaLayers) : undefined;
  const full = symbolicAlgebra(task.info, (l, i) => truth.delta(l, i));
  const named = level === undefined ? undefined : symbolicAlgebra(task.info, (l, i) => truth.delta(l, i, level));
  const pairs: Pair[] = [];
  for (const assign of task.assignments) {
    const value = interpret(tree, full, task.info, assign);
    const atLevel = named ? interpret(tree, named, task.info, assign) : undefined;
    for (let r = 1; r <= value.rows; r++) {
      for (let c = 1; c <= value.cols; c++) {
        const k = (r - 1) * value.cols + (c - 1);
        const e = task.element(assign, r, c);
        pairs.push({
          formula: value.data[k]!,
          truth: truth.symbolic(e),
          ...(atLevel ? { atDelta: { formula: atLevel.data[k]!, truth: truth.symbolic(e, level), layer: level! } } : {}),
        });
      }
    }
  }
  return prove(pairs, task.info, deadline);
}

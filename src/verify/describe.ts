// The right formula as text: mathjs syntax (σ' written in the forward value,
// a .* (1 - a), as one would type it) and LaTeX (σ'(z) as a textbook writes it).
import type { Derivation } from '../derive/derive.ts';
import { bin, ref, type FNode } from './ast.ts';
import { MatrixPrinter, Unprintable, exprToNode, symLeaf, type ExpectedStyle } from './expected.ts';
import { printLatex, printMathjs, type PrintStyle } from './print.ts';
import { boundedSize } from './proof.ts';
import type { Assignment, Task } from './task.ts';
import type { Truth } from './truth.ts';
import { lit } from './ast.ts';

export interface ExpectedText {
  readonly formula: string;
  readonly latex: string;
  /** For an intermediate in index form: the element printed (its index values). */
  readonly at?: Assignment;
}

const MAX_PRINTED_SIZE = 400;

export function describeExpected(task: Task, derivation: () => Derivation, truth: Truth, style: PrintStyle, at?: Assignment): ExpectedText {
  const mathjs = expectedTree(task, derivation, truth, { sigmaPrime: false }, at);
  const latex = expectedTree(task, derivation, truth, { sigmaPrime: true }, at);
  const shownAt = task.of.base !== 'C' && task.free.length ? (at ?? task.assignments[0]) : undefined;
  return { formula: printMathjs(mathjs, style), latex: printLatex(latex, style), ...(shownAt ? { at: shownAt } : {}) };
}

/** The right formula as a tree, in the task's form. */
export function expectedTree(task: Task, derivation: () => Derivation, truth: Truth, es: ExpectedStyle, at?: Assignment): FNode {
  const { info, wrt, of } = task;
  let grad: FNode;
  if (of.base === 'C') {
    const g = derivation().gradients[wrt.layer - 1]!;
    const m = wrt.base === 'W' ? g.dW : g.db;
    if (!m) throw new Unprintable(`no gradient for ${wrt.text}`);
    const printer = new MatrixPrinter(info, derivation(), es);
    if (task.form === 'matrix') grad = printer.matrix(m);
    else {
      const [r, c] = [wrt.indices[0] ?? lit(1), wrt.indices[1] ?? lit(1)];
      grad = printer.element(m, r, c, new Set(task.free.map((f) => f.name)));
    }
  } else {
    const assign = at ?? task.assignments[0]!;
    const cell = (r: number, c: number): FNode => {
      const e = truth.symbolic(task.element(assign, r, c));
      if (boundedSize(e, MAX_PRINTED_SIZE) > MAX_PRINTED_SIZE) throw new Unprintable('the expression is too large to print');
      return exprToNode(e, symLeaf(info), false);
    };
    if (task.cell.rows === 1 && task.cell.cols === 1) grad = cell(1, 1);
    else {
      const rows: FNode[][] = [];
      for (let r = 1; r <= task.cell.rows; r++) rows.push(Array.from({ length: task.cell.cols }, (_, c) => cell(r, c + 1)));
      grad = { kind: 'matrix', rows, pos: 0 };
    }
  }
  if (!task.update) return grad;
  const shape = info.shape(wrt.base as 'W' | 'b', wrt.layer);
  const whole = shape.rows === 1 && shape.cols === 1;
  const param = ref(wrt.base as 'W' | 'b', wrt.layer, task.form === 'index' && !whole ? wrt.indices : [], wrt.text);
  return bin('-', param, bin('*', ref('rate', undefined, [], 'R'), grad));
}

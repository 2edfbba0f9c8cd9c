// A whole claim as a person writes it, `\frac{\partial a^{(L)}}{\partial W^{(L)}} = a^{(L)}`
// or `∂C/∂W^{(2)} = δ^{(2)} a^{(1)ᵀ}`: the derivative it is about, read from the
// left-hand side into verify's --of and --wrt, and the formula on the right.
import { UserError } from '../errors.ts';

export interface Claim {
  readonly of: string;
  readonly wrt: string;
  readonly formula: string;
}

/** a^{(L)}, a^{(L-1)}, W^{(2)}, W^2, W_2, W2, C, x → a1, W2, C, x for a chain of L layers. */
function quantity(text: string, layers: number): string | undefined {
  const t = text.replace(/\\mathbf\{([^}]*)\}|\\boldsymbol\{([^}]*)\}|\\bm\{([^}]*)\}/g, '$1$2$3').replace(/\s+/g, '');
  if (t === 'C' || t === 'x') return t;
  const m = /^([aWbz]|\\delta)(?:\^\{?\(?([Ll0-9+-]+)\)?\}?|_\{?\(?([Ll0-9+-]+)\)?\}?|([0-9]+))$/.exec(t);
  if (!m) return undefined;
  const layer = m[2] ?? m[3] ?? m[4]!;
  const l = /^[Ll]$/.test(layer) ? layers : /^[Ll]-(\d+)$/.test(layer) ? layers - Number(layer.slice(2)) : /^\d+$/.test(layer) ? Number(layer) : NaN;
  if (!Number.isInteger(l) || l < 0 || l > layers) return undefined;
  const base = m[1] === '\\delta' ? 'delta' : m[1]!;
  return base === 'a' && l === 0 ? 'x' : `${base}${l}`;
}

/** The names of a graph network, as verify's graph form knows them (GraphNames). */
export interface ClaimNames {
  param(kind: 'W' | 'b', parts: readonly string[]): string | undefined;
  has(name: string): boolean;
}

/** W_{h,h}, W_{hh}, \mathbf{W}_{h,x}, W_h_h, b_h, C, or a node's name → verify's name, for a graph network. */
function graphQuantity(text: string, names: ClaimNames): string | undefined {
  const t = text.replace(/\\(?:mathbf|boldsymbol|bm|mathit|mathrm|operatorname)\{([^}]*)\}/g, '$1').replace(/\s+/g, '');
  if (t === 'C') return t;
  const m = /^([Wb])_(?:\{([^}]*)\}|(.+))$/.exec(t);
  if (m) return names.param(m[1] as 'W' | 'b', (m[2] ?? m[3]!).split(/[,_]/).filter((p) => p !== ''));
  return names.has(t) ? t : undefined;
}

/**
 * Split a claim at its `=`: the left side must be a derivative ∂X/∂Y (LaTeX
 * \frac{\partial X}{\partial Y}, \partial X / \partial Y, or ∂X/∂Y). A graph
 * network's claim names its parameters as its documents print them (W_{h,h}).
 */
export function readClaim(text: string, layers: number, graph?: ClaimNames): Claim {
  const at = text.indexOf('=');
  if (at < 0) throw new UserError('claim: expected ∂X/∂Y = formula (for example \\frac{\\partial C}{\\partial W^{(L)}} = …)');
  const lhs = text.slice(0, at).trim();
  const formula = text.slice(at + 1).trim();
  const m = /^\\frac\s*\{\s*(?:\\partial|∂)\s*(.+?)\s*\}\s*\{\s*(?:\\partial|∂)\s*(.+?)\s*\}$/.exec(lhs)
    ?? /^(?:\\partial|∂)\s*(.+?)\s*\/\s*(?:\\partial|∂)\s*(.+)$/.exec(lhs);
  if (!m) throw new UserError(`claim: the left side "${lhs}" is not a derivative ∂X/∂Y`);
  if (graph) {
    const of = graphQuantity(m[1]!, graph);
    const wrt = graphQuantity(m[2]!, graph);
    if (of === undefined) throw new UserError(`claim: "${m[1]}" is not C or a node of this network`);
    if (wrt === undefined || !/^[Wb]_/.test(wrt)) throw new UserError(`claim: "${m[2]}" is not a parameter of this network (as its derivation prints them, W_{h,x} or b_{h})`);
    if (formula === '') throw new UserError('claim: nothing after "="');
    return { of, wrt, formula };
  }
  const of = quantity(m[1]!, layers);
  const wrt = quantity(m[2]!, layers);
  if (of === undefined) throw new UserError(`claim: "${m[1]}" is not a quantity of this network (C, a^{(l)}, z^{(l)} with l up to L = ${layers})`);
  if (wrt === undefined || !/^[Wb]\d+$/.test(wrt)) throw new UserError(`claim: "${m[2]}" is not a parameter of this network (W^{(l)} or b^{(l)} with l up to L = ${layers})`);
  if (formula === '') throw new UserError('claim: nothing after "="');
  return { of, wrt, formula };
}

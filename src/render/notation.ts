// How names look in LaTeX: Nielsen's superscript (l) with indices j, k, or the
// question's (L), (L−1) with indices i, j and a^{(L)*} for the target.
import type { Network } from '../spec/types.ts';

export type NotationName = 'nielsen' | 'question';

export class Notation {
  readonly indices: readonly [string, string];
  readonly sumIndices: readonly string[];
  /** Matrix-of-examples names: A, Z, Δ, Y for a batch of m examples. */
  batch = false;
  constructor(readonly name: NotationName, private readonly network: Network) {
    this.indices = name === 'question' ? ['i', 'j'] : ['j', 'k'];
    this.sumIndices = name === 'question' ? ['j', 'k', 'm', 'p'] : ['k', 'i', 'm', 'p'];
  }

  get depth(): number {
    return this.network.layers.length;
  }

  /** "(2)" or "(L-1)". */
  layer(l: number): string {
    if (this.name === 'nielsen') return `(${l})`;
    const back = this.depth - l;
    return back === 0 ? '(L)' : `(L-${back})`;
  }

  /** Size of layer l's vectors (n_0 is the input). */
  units(l: number): number {
    return l === 0 ? this.network.input : this.network.layers[l - 1]!.units;
  }

  /** n_l as a symbol for dimensions. */
  sizeName(l: number): string {
    if (this.name === 'nielsen') return `n_{${l}}`;
    const back = this.depth - l;
    return back === 0 ? 'n_{L}' : `n_{L-${back}}`;
  }

  /** The matrix or vector itself: W^{(2)}, a^{(0)}, y, \delta^{(1)}. */
  matrix(base: string, layer?: number): string {
    if (base === 'y') return this.batch ? 'Y' : this.name === 'question' ? `a^{(L)^*}` : 'y';
    if (base === 'dCda') return `\\frac{\\partial C}{\\partial ${this.matrix('a', layer)}}`;
    if (this.batch && base === 'b') return `b^{${this.layer(layer!)}} \\mathbf{1}^{\\top}`;
    const head = this.batch ? ({ delta: '\\Delta', a: 'A', z: 'Z' } as Record<string, string>)[base] ?? base : base === 'delta' ? '\\delta' : base;
    return layer === undefined ? head : `${head}^{${this.layer(layer)}}`;
  }

  /** One element, with subscripts only along dimensions larger than one. */
  element(base: string, layer: number | undefined, index: readonly string[], shape: { rows: number; cols: number }): string {
    const subs: string[] = [];
    // A weight keeps both indices unless it is a single number: W_{j1}, not W_{j}; a single row or column is index 1.
    const both = base === 'W' && (shape.rows > 1 || shape.cols > 1);
    if (both) subs.push(shape.rows > 1 ? index[0] ?? '1' : '1', shape.cols > 1 ? index[1] ?? '1' : '1');
    else {
      if (shape.rows > 1 && index[0] !== undefined) subs.push(index[0]);
      if (shape.cols > 1 && index[1] !== undefined) subs.push(index[1]);
    }
    const m = this.matrix(base, layer);
    if (subs.length === 0) return m;
    const joined = subs.some((s) => s.length > 1) ? subs.join(',') : subs.join('');
    return base === 'y' && this.name === 'question' ? `a^{(L)^*}_{${joined}}` : `${m}_{${joined}}`;
  }

  /** The sentence that fixes the meaning of a weight's indices. */
  get weightConvention(): string {
    const [r, c] = this.indices;
    return this.name === 'question'
      ? `With $W^{(l)}_{${r}${c}}$ joining unit $${c}$ of the layer before to unit $${r}$ of layer $(l)$:`
      : `With $W^{(l)}_{${r}${c}}$ joining unit $${c}$ of layer $l-1$ to unit $${r}$ of layer $l$:`;
  }

  /** Shape of a named matrix of the network. */
  shapeOf(base: string, layer?: number): { rows: number; cols: number } {
    if (base === 'W') return { rows: this.units(layer!), cols: this.units(layer! - 1) };
    if (base === 'y') return { rows: this.units(this.depth), cols: 1 };
    return { rows: this.units(layer ?? 0), cols: 1 };
  }
}

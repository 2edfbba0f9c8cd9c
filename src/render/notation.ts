// How names look in LaTeX: Nielsen's superscript (l) with indices j, k, or the
// question's (L), (L−1) with indices i, j and a^{(L)*} for the target.
import type { Network } from '../spec/types.ts';

export type NotationName = 'nielsen' | 'question';

export class Notation {
  readonly indices: readonly [string, string];
  readonly sumIndices: readonly string[];
  /** Matrix-of-examples names: A, Z, Δ, Y for a batch of m examples. */
  batch = false;
  /**
   * A general step "for l = …" prints its layers relative to one layer: with
   * anchor 3, layer 3 prints (l), layer 4 (l+1), layer 2 (l-1). Undefined: the
   * layers print as themselves.
   */
  anchor: number | undefined;
  /** Bold vectors and matrices (\\mathbf{W}, \\boldsymbol{\\delta}), as many journals set them. */
  bold = false;
  constructor(readonly name: NotationName, private readonly network: Network) {
    this.indices = name === 'question' ? ['i', 'j'] : ['j', 'k'];
    // The question's k counts iterations (W(k+1)), so its sums run over p, q, …
    this.sumIndices = name === 'question' ? ['j', 'p', 'q', 'r'] : ['k', 'i', 'm', 'p'];
  }

  get depth(): number {
    return this.network.layers.length;
  }

  /** This notation with every layer printed relative to `anchor` (see `anchor`). */
  general(anchor: number): Notation {
    const g = new Notation(this.name, this.network);
    g.batch = this.batch;
    g.bold = this.bold;
    g.anchor = anchor;
    return g;
  }

  /** This notation for one example (b^{(l)}, not b^{(l)} 1ᵀ), keeping the anchor. */
  single(): Notation {
    const g = new Notation(this.name, this.network);
    g.anchor = this.anchor;
    g.bold = this.bold;
    return g;
  }

  /** "l", "l+1", "l-1" relative to the anchor. */
  private relative(l: number): string {
    const d = l - this.anchor!;
    return d === 0 ? 'l' : d > 0 ? `l+${d}` : `l-${-d}`;
  }

  /** "(2)" or "(L-1)". */
  layer(l: number): string {
    if (this.anchor !== undefined) return `(${this.relative(l)})`;
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
    if (this.anchor !== undefined) return `n_{${this.relative(l)}}`;
    if (this.name === 'nielsen') return `n_{${l}}`;
    const back = this.depth - l;
    return back === 0 ? 'n_{L}' : `n_{L-${back}}`;
  }

  /** The matrix or vector itself: W^{(2)}, a^{(0)}, y, \delta^{(1)} (bold when `bold` is set). */
  matrix(base: string, layer?: number): string {
    return this.symbol(base, layer, this.bold);
  }

  private symbol(base: string, layer: number | undefined, bold: boolean): string {
    // Bold upper-case matrices and lower-case vectors; an element stays plain (W_{jk} is a number).
    const b = (head: string): string => (!bold ? head : head.startsWith('\\') ? `\\boldsymbol{${head}}` : `\\mathbf{${head}}`);
    // The question's target is a^{(L)*}; a batch of targets stacks them as columns.
    if (base === 'y') return this.name === 'question' ? `${b(this.batch ? 'A' : 'a')}^{(L)^*}` : b(this.batch ? 'Y' : 'y');
    if (base === 'dCda') return `\\frac{\\partial C}{\\partial ${this.symbol('a', layer, bold)}}`;
    if (this.batch && base === 'b') return `${b('b')}^{${this.layer(layer!)}} \\mathbf{1}^{\\top}`;
    const head = this.batch ? ({ delta: '\\Delta', a: 'A', z: 'Z' } as Record<string, string>)[base] ?? base : base === 'delta' ? '\\delta' : base;
    return layer === undefined ? b(head) : `${b(head)}^{${this.layer(layer)}}`;
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
    const m = this.symbol(base, layer, false);
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

// The names a formula may use for a graph network (see the comment at the top
// of graph.ts): the layout's parameters, node values, z_N, delta_N, x, y and
// lambda, each with its shape.
import { graphLayout } from '../graph/graph-layout.ts';
import { stepsOf, type GraphNetwork, type NodeSpec } from '../spec/graph-types.ts';
import { nearest } from '../spec/nearest.ts';
import type { Shape } from './context.ts';

/** The l2 coefficient's name in a formula tree (written lambda, \\lambda): no node can take it. */
export const L2 = 'λ';

/** The rate's name in a formula tree (--update): no node can take it (node names are lower case). */
export const RATE = 'R';

export class GraphNames {
  readonly T: number;
  readonly sequence: boolean;
  readonly params: ReadonlyMap<string, { readonly kind: 'W' | 'b'; readonly rows: number; readonly cols: number; readonly node: string }>;
  readonly nodes: ReadonlyMap<string, NodeSpec>;
  /** The node plain δ_t and z_t mean: the one dense node reading a @prev input (else the one dense node), if any. */
  readonly defaultNode?: string;

  /**
   * With --update: the rate R (also written eta, \\eta) is a name, and its value in the numbers
   * compared (a symbol in the proofs).
   */
  readonly rate?: number;

  constructor(readonly network: GraphNetwork, rate?: number) {
    if (rate !== undefined) this.rate = rate;
    this.T = stepsOf(network);
    this.sequence = network.sequence !== undefined;
    this.params = new Map(graphLayout(network).entries.map((e) => [e.name, { kind: e.kind as 'W' | 'b', rows: e.rows, cols: e.cols, node: e.node }]));
    this.nodes = new Map(network.nodes.map((n) => [n.name, n]));
    const dense = network.nodes.filter((n) => n.kind === 'dense');
    // Recurrent: reads a value of the step before, directly or through nodes without weights (a concat [h@prev, x]).
    const readsPrev = (n: { inputs: readonly { node: string; prev: boolean }[] }, seen: Set<string>): boolean => n.inputs.some((s) => {
      if (s.prev) return true;
      const m = this.nodes.get(s.node);
      if (!m || m.kind === 'dense' || seen.has(m.name)) return false;
      seen.add(m.name);
      return readsPrev(m, seen);
    });
    const recurrent = dense.filter((n) => readsPrev(n, new Set()));
    const only = recurrent.length === 1 ? recurrent[0] : recurrent.length === 0 && dense.length === 1 ? dense[0] : undefined;
    if (only) this.defaultNode = only.name;
  }

  get l2(): number | undefined {
    return this.network.regularization?.l2;
  }

  /** Whether a canonical name exists. */
  has(name: string): boolean {
    return this.shapeOf(name) !== undefined;
  }

  isParam(name: string): boolean {
    return this.params.has(name);
  }

  /** Shape of a canonical name, or undefined. */
  shapeOf(name: string): Shape | undefined {
    const p = this.params.get(name);
    if (p) return { rows: p.rows, cols: p.cols };
    if (name === 'x') return { rows: this.network.input, cols: 1 };
    if (name === RATE) return this.rate !== undefined ? { rows: 1, cols: 1 } : undefined;
    if (name === 'y') return { rows: this.nodes.get(this.network.output)!.size, cols: 1 };
    if (name === L2) return this.l2 !== undefined ? { rows: 1, cols: 1 } : undefined;
    const m = /^(z|delta)_([a-z][a-z0-9]*)$/.exec(name);
    if (m) {
      const node = this.nodes.get(m[2]!);
      if (!node || (m[1] === 'z' && node.kind !== 'dense')) return undefined;
      return { rows: node.size, cols: 1 };
    }
    const node = this.nodes.get(name);
    return node ? { rows: node.size, cols: 1 } : undefined;
  }

  /** A parameter named by its kind and the parts after it (W with [h, x] or [hx]), or undefined. */
  param(kind: 'W' | 'b', parts: readonly string[]): string | undefined {
    const direct = `${kind}_${parts.join('_')}`;
    if (this.params.has(direct)) return direct;
    const squeezed = parts.join('').replace(/_/g, '');
    const hits = [...this.params.keys()].filter((k) => k.startsWith(`${kind}_`) && k.slice(2).replace(/_/g, '') === squeezed);
    return hits.length === 1 ? hits[0] : undefined;
  }

  /** Every name, grouped, for messages. */
  listing(): string {
    const dense = [...this.nodes.values()].filter((n) => n.kind === 'dense').map((n) => n.name);
    const groups = [
      `parameters ${[...this.params.keys()].join(', ')}`,
      `node values ${[...this.nodes.keys()].join(', ')}`,
      ...(dense.length ? [`pre-activations ${dense.map((n) => `z_${n}`).join(', ')}`] : []),
      `deltas ${[...this.nodes.keys()].map((n) => `delta_${n}`).join(', ')}`,
      'x, y',
      ...(this.l2 !== undefined ? ['lambda (the l2 coefficient)'] : []),
      ...(this.rate !== undefined ? ['R or eta (the rate)'] : []),
    ];
    return groups.join('; ');
  }

  all(): string[] {
    const dense = [...this.nodes.values()].filter((n) => n.kind === 'dense').map((n) => n.name);
    return [...this.params.keys(), ...this.nodes.keys(), ...dense.map((n) => `z_${n}`), ...[...this.nodes.keys()].map((n) => `delta_${n}`), 'x', 'y'];
  }

  /** "unknown name …; the names are …" */
  unknown(raw: string): string {
    const guess = nearest(raw, this.all());
    return `unknown name "${raw}"${guess ? ` (did you mean "${guess}"?)` : ''}; the names of ${this.network.name} are: ${this.listing()}`;
  }
}

// d/dv of a formula, as the CAS jobs take it (src/symbolic/cas.ts in its own thread, src/verify/cas-worker.mjs
// in the worker): mathjs's derivative, simplified when it has at most `simplifyLimit` nodes. mathjs writes
// d|u|/du as |u|/u, and simplifying can fold that into a fraction over u, 0/0 where u = 0 (d/da of
// (a − y)⁴/4 + |a − y| became (|a − y| + (a − y)⁴)/(a − y)). Such a result is taken again with |u|/u written
// sign(u) before simplifying; one too large to simplify gets sign(u) as it comes. Plain JavaScript, like the
// worker that imports it.

const bare = (n) => (n.isParenthesisNode ? bare(n.content) : n);

/** Whether some quotient of `node` divides by the argument u of an |u| in it. */
function dividesByAbsArgument(node) {
  const args = new Set();
  node.traverse((n) => { if (n.isFunctionNode && n.fn.name === 'abs') args.add(bare(n.args[0]).toString()); });
  let found = false;
  node.traverse((n) => {
    if (!n.isOperatorNode || n.op !== '/') return;
    let d = bare(n.args[1]);
    if (d.isOperatorNode && d.op === '^') d = bare(d.args[0]);
    if (args.has(d.toString())) found = true;
  });
  return found;
}

/** @param {any} math a mathjs instance with parse, derivative and simplify */
export function derivativeText(math, text, variable, simplifyLimit) {
  const raw = math.derivative(text, variable, { simplify: false });
  let nodes = 0;
  raw.traverse(() => { nodes++; });
  const signed = () => raw.transform((n) => {
    if (!n.isOperatorNode || n.op !== '/') return n;
    const top = bare(n.args[0]);
    const u = bare(n.args[1]);
    return top.isFunctionNode && top.fn.name === 'abs' && bare(top.args[0]).equals(u) ? new math.FunctionNode('sign', [u]) : n;
  });
  // Too large to simplify: as it comes, with |u|/u as sign(u).
  if (nodes > simplifyLimit) return signed().toString();
  const simplified = math.simplify(math.derivative(text, variable));
  return (dividesByAbsArgument(simplified) ? math.simplify(signed()) : simplified).toString();
}

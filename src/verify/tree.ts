// Walks shared by the two formula trees (the chain form's FNode in ast.ts, the
// graph form's GNode in graph-formula.ts): each tree gives its children and how
// to rebuild a node with new ones; the walks are written once.
export interface Tree<N> {
  /** Rebuild bottom-up: f sees each node after its children are rebuilt. */
  mapTree(n: N, f: (n: N) => N): N;
  /** Every node, parents before children. */
  nodesOf(n: N, out?: N[]): N[];
  /** Replace one node (found by identity) with another. */
  replaceNode(root: N, target: N, by: N): N;
}

export function treeWalks<N>(children: (n: N) => readonly N[], withChildren: (n: N, cs: readonly N[]) => N): Tree<N> {
  const mapTree = (n: N, f: (n: N) => N): N => {
    const cs = children(n);
    return f(cs.length === 0 ? n : withChildren(n, cs.map((c) => mapTree(c, f))));
  };
  const nodesOf = (n: N, out: N[] = []): N[] => {
    out.push(n);
    for (const c of children(n)) nodesOf(c, out);
    return out;
  };
  const replaceNode = (root: N, target: N, by: N): N => {
    if (root === target) return by;
    const cs = children(root);
    let changed = false;
    const next = cs.map((c) => {
      const r = replaceNode(c, target, by);
      if (r !== c) changed = true;
      return r;
    });
    return changed ? withChildren(root, next) : root;
  };
  return { mapTree, nodesOf, replaceNode };
}

// Using deltagen as a library: derive, generate, check, verify and train the
// question's network without the command line. Run: npx tsx examples/api.ts
import { check, derive, generate, train, verify } from 'deltagen';

const compiled = derive('examples/question.yaml');
const { ts, tex } = generate(compiled, { out: 'generated' });
console.log(`derived ${compiled.network.name}: ${compiled.derivation.steps.length} steps; ${ts.path} has ${ts.content.split('\n').length} lines, ${tex.path} ${tex.content.length} characters`);

const report = await check(compiled.network);
console.log(`check: ${report.passed ? 'passed' : 'FAILED'} (largest error against the reference ${Math.max(...report.parameters.map((p) => p.reference)).toExponential(1)})`);

const verdict = verify(compiled.network, { wrt: 'W1', formula: '2 * (W1 * a0 - y) * a0' });
console.log(`verify dC/dW1 = 2 (W1 a0 - y) a0: ${verdict.verdict}`);

const { result } = await train(compiled.network);
const w = (result.params.W1 as number[][])[0]![0]!;
console.log(`train: W1 = ${w.toFixed(4)} after ${result.losses.length} steps`);

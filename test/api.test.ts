// The library validates what it is given as the command line does: a network
// object goes through the file's schema (so hostile names never reach generated
// code or file names), and bad arguments are a UserError naming the option.
import { describe, expect, it } from 'vitest';
import { check, derive, generate, renderJavaScript, renderLatex, renderTypeScript, train, trainer, verify, UserError, type GraphNetwork, type Network } from '../src/index.ts';

import { loadChain } from './chain.ts';

const question = loadChain('examples/question.yaml');
const xor = loadChain('examples/xor.yaml');

function userError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

async function userErrorAsync(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

const HOSTILE_NAMES = ['q\nglobalThis.__pwned=1;\n//', '../../../../tmp/x', 'a/b', 'Name', '__proto__', 'constructor', 'class', `x${'y'.repeat(80)}`, "q'; process.exit(1); '"];

describe('a network object given to the library is validated like a file', () => {
  for (const name of HOSTILE_NAMES) {
    it(`refuses the name ${JSON.stringify(name).slice(0, 40)} everywhere, naming the field`, async () => {
      const net = { ...question, name } as Network;
      expect(userError(() => derive(net))).toMatch(/^.*name: /);
      expect(userError(() => verify(net, { wrt: 'W1', formula: 'x' }))).toMatch(/name: /);
      expect(await userErrorAsync(() => trainer(net))).toMatch(/name: /);
      expect(await userErrorAsync(() => train(net))).toMatch(/name: /);
      expect(await userErrorAsync(() => check(net))).toMatch(/name: /);
      expect((globalThis as Record<string, unknown>).__pwned).toBeUndefined();
    });
  }

  it('a valid object derives, and the generated source holds nothing but validated names', () => {
    const net = { ...xor, name: 'ok-net' };
    const out = generate(derive(net), { out: 'some/folder' });
    expect(out.ts.path).toBe('some/folder/ok-net.ts');
    expect(out.ts.content).toContain('network "ok-net"');
  });

  it('shapes, kinds and limits are checked, with the field named', () => {
    expect(userError(() => derive({ ...question, input: 0 }))).toMatch(/input: expected a number of at least 1/);
    expect(userError(() => derive({ ...question, layers: [] }))).toMatch(/layers: expected at least one layer/);
    expect(userError(() => derive({ ...question, loss: 'hinge' as never }))).toMatch(/loss: unknown loss "hinge"/);
    expect(userError(() => derive({ ...question, layers: [{ units: 1, activation: { kind: 'relux' } as never, bias: false }] }))).toMatch(/layers\[0\]\.activation/);
    expect(userError(() => derive({ ...question, layers: [{ units: 1, activation: { kind: 'formula', formula: 'evaluate("1")' }, bias: false }] }))).toMatch(/layers\[0\]\.activation/);
    expect(userError(() => derive({ ...question, input: 100_000, layers: [{ units: 100_000, activation: { kind: 'identity' }, bias: false }] }))).toMatch(/more than 5000000 parameters/);
    expect(userError(() => derive({ ...question, extra: 1 } as Network))).toMatch(/extra|unrecognized/i);
  });

  it('what derive() returns cannot be changed afterwards: its network is frozen, so a name set later never reaches the code', () => {
    const c = derive({ ...question });
    expect(() => { (c.network as { name: string }).name = 'q\nglobalThis.__pwned=1;\n//'; }).toThrow(TypeError);
    expect(() => { (c.network.layers[0] as { units: number }).units = 5; }).toThrow(TypeError);
    expect(renderJavaScript(c)).toContain('network "question"');
    expect(generate(c, { out: 'o' }).ts.path).toBe('o/question.ts');
  });

  it('a prototype key anywhere in the object (a node named __proto__, one in train.init) is refused with its path, not dropped', () => {
    const graph = derive('examples/residual.yaml').network as unknown as GraphNetwork;
    const protoNode = JSON.parse('{"kind":"add","name":"__proto__","size":4,"inputs":[{"node":"h","prev":false},{"node":"r","prev":false}]}') as never;
    expect(userError(() => derive({ ...graph, nodes: [...graph.nodes, protoNode] }))).toMatch(/nodes\.__proto__: the key "__proto__" is not allowed/);
    const init = JSON.parse('{"__proto__": [[1]], "W1": [[1]]}') as never;
    expect(userError(() => derive({ ...question, train: { ...question.train!, init } }))).toMatch(/train\.init\.__proto__: the key "__proto__" is not allowed/);
  });

  it('an object in the internal form with an optimizer and a schedule round-trips through the file form', () => {
    const net = loadChain('examples/xor-adam.yaml');
    expect(derive(net).network).toEqual({ ...net });
  });
});

describe('bad arguments are a UserError naming the option', () => {
  it('derive and generate', () => {
    expect(userError(() => derive(null as never))).toMatch(/network: expected a network object or a file path, found null/);
    expect(userError(() => derive({} as never))).toMatch(/name/);
    expect(userError(() => derive(''))).toMatch(/empty string/);
    expect(userError(() => generate(null as never))).toMatch(/generate: expected what derive\(\) returns/);
    expect(userError(() => generate(derive(question), { unroll: 'sometimes' as never }))).toMatch(/generate: options\.unroll/);
  });

  it('generate and the render functions check every option: a label prefix is never pasted into LaTeX unchecked', () => {
    const c = derive(question);
    const injection = 'p}\n\\immediate\\write18{touch /tmp/pwned}\n\\label{q';
    expect(userError(() => generate(c, { labelPrefix: injection }))).toMatch(/generate: options\.labelPrefix: expected letters/);
    expect(userError(() => renderLatex(c, { labelPrefix: injection }))).toMatch(/renderLatex: options\.labelPrefix/);
    expect(userError(() => generate(c, { heading: 'evil' as never }))).toMatch(/generate: options\.heading/);
    expect(userError(() => generate(c, { bold: 'yes' as never }))).toMatch(/generate: options\.bold/);
    expect(userError(() => generate(c, { levels: ['evil'] as never }))).toMatch(/generate: options\.levels/);
    expect(userError(() => generate(c, { bogus: 1 } as never))).toMatch(/generate: options: .*bogus/);
    expect(userError(() => renderTypeScript({} as never))).toMatch(/renderTypeScript: expected what derive\(\) returns/);
    expect(userError(() => renderJavaScript(null as never))).toMatch(/renderJavaScript: expected what derive\(\) returns/);
    expect(userError(() => renderLatex({} as never))).toMatch(/renderLatex: expected what derive\(\) returns/);
    expect(userError(() => renderTypeScript(c, { unroll: 'x' as never }))).toMatch(/renderTypeScript: options\.unroll/);
    expect(generate(c, { labelPrefix: 'ok:q-1', heading: 'none', bold: true }).tex.content).toContain('\\label{eq:ok:q-1:');
  });

  it('a value quoted from the input with line breaks (a source label, an output, --wrt) keeps the message on one line', () => {
    const graph = derive('examples/residual.yaml').network as unknown as GraphNetwork;
    for (const run of [
      () => derive({ ...graph, source: 'EVIL\nline2\u2028line3', output: 'q' }),
      () => derive({ ...graph, output: 'h\n' }),
      () => verify(question, { wrt: 'W1\nW', formula: 'x' }),
    ]) {
      const message = userError(run);
      expect(message).not.toMatch(/[\n\r\u2028]/);
      expect(message).toMatch(/\\n|\\u2028/);
    }
  });

  it('verify', () => {
    expect(userError(() => verify(question, { wrt: 'W1', formula: 42 as never }))).toMatch(/verify: options\.formula: .*found 42/);
    expect(userError(() => verify(question, { wrt: 'W1' }))).toMatch(/verify: options\.formula: give formula or latex/);
    expect(userError(() => verify(question, { wrt: 'W1', formula: 'x', points: 1e9 }))).toMatch(/verify: options\.points/);
    expect(userError(() => verify(question, { wrt: 'W1', formula: 'x', bogus: 1 } as never))).toMatch(/verify: options: .*bogus/);
  });

  it('train and check', async () => {
    expect(await userErrorAsync(() => train(question, { steps: -5 }))).toMatch(/train: options\.steps: .*found -5/);
    expect(await userErrorAsync(() => train(question, { steps: Number.NaN }))).toMatch(/train: options\.steps/);
    expect(await userErrorAsync(() => train(question, { step: 5 } as never))).toMatch(/train: options: .*step/);
    expect(await userErrorAsync(() => check(question, { points: 0 }))).toMatch(/check: options\.points/);
  });
});

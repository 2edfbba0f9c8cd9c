// The playground's verify box reads a whole claim, ∂X/∂Y = formula: the chain's
// layer names (W^{(L)}, a^{(L-1)}) and a graph network's names as its derivation
// prints them (W_{h,h}, \mathbf{W}_{hh}, b_{h}), then verify answers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, verifyClaim } from '../src/browser.ts';
import { UserError } from '../src/errors.ts';

const net = (name: string) => parse(readFileSync(`examples/${name}.yaml`, 'utf8'));

describe('verifyClaim', () => {
  it("reads the question's claim with layer superscripts", () => {
    expect(verifyClaim(net('question'), '\\frac{\\partial C}{\\partial W^{(L)}} = 2 (a^{(L)} - y) a^{(L-1)}').result.verdict).toBe('equivalent');
    expect(verifyClaim(net('question'), '\\frac{\\partial a^{(L)}}{\\partial W^{(L)}} = a^{(L)}').result.verdict).toBe('different');
  });

  it('reads a graph network\'s parameters as its derivation prints them, and answers with the graph verifier', () => {
    const rnn = net('rnn');
    expect(verifyClaim(rnn, '\\frac{\\partial C}{\\partial W_{h,h}} = \\sum_t \\delta_t h_{t-1}^T').result.verdict).toBe('equivalent');
    expect(verifyClaim(rnn, '\\frac{\\partial C}{\\partial \\mathbf{W}_{hh}} = \\sum_t \\delta_t h_{t}^T').result.verdict).toBe('different');
    expect(verifyClaim(rnn, "∂C/∂W_h_h = sum_t(delta_h[t] * h[t-1]')").result.verdict).toBe('equivalent');
    expect(verifyClaim(rnn, '\\frac{\\partial C}{\\partial b_{h}} = \\sum_t \\delta_t').result.verdict).toBe('equivalent');
    expect(() => verifyClaim(rnn, '\\frac{\\partial C}{\\partial W_{q}} = 0')).toThrow(UserError);
    expect(() => verifyClaim(rnn, '\\frac{\\partial C}{\\partial W^{(2)}} = 0')).toThrow(/not a parameter of this network \(as its derivation prints them/);
  });
});

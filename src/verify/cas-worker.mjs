// The CAS in its own thread: the main thread posts a job, blocks on a shared
// flag until this worker answers, and terminates it at the deadline. Neither
// nerdamer nor mathjs has a time limit of its own (an expansion or a
// simplification can run for minutes), so a thread that can be killed is the
// only bound that holds. Jobs: verify's expansion of formula − truth, one
// nerdamer command, and mathjs's derivative (simplified when it is small).
// Plain JavaScript, so the same file runs under tsx, vitest and from dist/
// (bundled there by scripts/build.mjs).
import nerdamer from 'nerdamer';
import 'nerdamer/Calculus.js';
import 'nerdamer/Algebra.js';
import { create, derivativeDependencies, parseDependencies, simplifyDependencies } from 'mathjs';
import { workerData } from 'node:worker_threads';
import { derivativeText } from '../symbolic/derivative-job.mjs';

/** @type {{ port: import('node:worker_threads').MessagePort, flag: Int32Array }} */
const { port, flag } = workerData;

/** Only what the derivative needs; created on the first derivative job. */
let math;

const JOBS = {
  /** nerdamer's expand can stop short (it leaves 4*(1+2*s^2+s^4)*s^4 beside the terms that cancel it): expand again until it settles. */
  expand(job) {
    let result = nerdamer(`expand(${job.text})`).toString();
    for (let round = 0; round < 4 && result !== '0'; round++) {
      const again = nerdamer(`expand(${result})`).toString();
      if (again === result) break;
      result = again;
    }
    return result;
  },
  nerdamer(job) {
    return nerdamer(job.text).toString();
  },
  /** d/dv, simplified by mathjs when it has at most job.simplifyLimit nodes (as src/symbolic/cas.ts does in its own thread). */
  derivative(job) {
    math ??= create({ parseDependencies, derivativeDependencies, simplifyDependencies });
    return derivativeText(math, job.text, job.variable, job.simplifyLimit);
  },
};

port.on('message', (/** @type {{ id: number, op?: keyof typeof JOBS, text: string }} */ job) => {
  let answer;
  try {
    answer = { id: job.id, result: JOBS[job.op ?? 'expand'](job) };
  } catch (err) {
    answer = { id: job.id, error: String(err?.message ?? err) };
  }
  nerdamer.flush();
  port.postMessage(answer);
  // The main thread waits on this word: it holds the id of the last answer.
  Atomics.store(flag, 0, job.id);
  Atomics.notify(flag, 0);
});

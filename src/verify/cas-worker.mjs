// The CAS in its own thread: verify's main thread posts an expression, blocks
// on a shared flag until this worker answers, and terminates it at the
// deadline. nerdamer has no time limit of its own (an expansion can run for
// minutes), so a thread that can be killed is the only bound that holds.
// Plain JavaScript, so the same file runs under tsx, vitest and from dist/
// (bundled there by scripts/build.mjs).
import nerdamer from 'nerdamer';
import 'nerdamer/Algebra.js';
import { workerData } from 'node:worker_threads';

/** @type {{ port: import('node:worker_threads').MessagePort, flag: Int32Array }} */
const { port, flag } = workerData;

port.on('message', (/** @type {{ id: number, text: string }} */ job) => {
  let answer;
  try {
    // nerdamer's expand can stop short (it leaves 4*(1+2*s^2+s^4)*s^4 beside the terms that cancel it): expand again until it settles.
    let result = nerdamer(`expand(${job.text})`).toString();
    for (let round = 0; round < 4 && result !== '0'; round++) {
      const again = nerdamer(`expand(${result})`).toString();
      if (again === result) break;
      result = again;
    }
    answer = { id: job.id, result };
  } catch (err) {
    answer = { id: job.id, error: String(err?.message ?? err) };
  }
  nerdamer.flush();
  port.postMessage(answer);
  // The main thread waits on this word: it holds the id of the last answer.
  Atomics.store(flag, 0, job.id);
  Atomics.notify(flag, 0);
});

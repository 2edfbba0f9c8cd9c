// The training worker: it loads the generated trainer (the JavaScript module
// the page derived) from a blob and runs its train() on the network file's
// data, posting the losses (and, for a few parameters, the parameters) as it
// goes, so the page stays responsive and plots the run live.

interface Job {
  readonly source: string;
  readonly data: { x: number[]; y: number[] }[];
  readonly params: Float64Array;
  readonly options: Record<string, unknown>;
  /** Post every parameter after every step (networks of a few parameters). */
  readonly record: boolean;
}

interface Trainer {
  train(params: Float64Array, data: Job['data'], options: Record<string, unknown>): { losses: number[] };
  paramsToJSON(params: Float64Array): unknown;
}

const post = (message: unknown): void => (self as unknown as { postMessage(m: unknown): void }).postMessage(message);

self.onmessage = async (event: MessageEvent<Job>) => {
  const { source, data, params, options, record } = event.data;
  try {
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const trainer = (await import(/* @vite-ignore */ url)) as Trainer;
    URL.revokeObjectURL(url);
    let losses: number[] = [];
    let recorded: number[][] = [];
    let last = performance.now();
    let steps = 0;
    const flush = (): void => {
      if (!losses.length) return;
      post({ type: 'steps', losses, ...(record ? { params: recorded } : {}) });
      losses = [];
      recorded = [];
      last = performance.now();
    };
    trainer.train(params, data, {
      ...options,
      onStep: (step: number, loss: number, p: Float64Array) => {
        steps = step;
        if (!Number.isFinite(loss)) throw new Error(step === 1 ? `the loss is ${loss} at the starting parameters` : `training diverged at step ${step}: the loss is ${loss}; try a smaller train.rate`);
        losses.push(loss);
        if (record) recorded.push(Array.from(p));
        // About 20 messages a second: live, without flooding the page.
        if (performance.now() - last > 50) flush();
      },
    });
    flush();
    post({ type: 'done', steps, final: trainer.paramsToJSON(params) });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};

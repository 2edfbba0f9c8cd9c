// Progress on standard error, only once a command has run past ctx.progressAfterMs
// (about a second): quick runs print nothing. For training, a bar with steps per
// second and the loss on a terminal, a plain line every few seconds otherwise;
// for derive and check, which run long synchronous stages, a line as each stage
// starts. Nothing with --quiet. Standard output stays clean for --json.
import cliProgress from 'cli-progress';
import { contextOf, type Ctx } from './common.ts';

export interface Progress {
  /** `detail` is shown after the rate (the current loss); as a function it is called only when something is drawn. */
  update(step: number, total: number, detail: string | (() => string)): void;
  stop(): void;
}

const isTerminal = (ctx: Ctx): boolean => Boolean(ctx.stderr.isTTY) || process.env.DELTAGEN_FORCE_TTY === '1';

/** Create this when the work starts: the delay counts from here, the rate from the first step. */
export function progress(label: string, quiet = false, unit = 'steps', ctx: Ctx = contextOf()): Progress {
  if (quiet) return { update() {}, stop() {} };
  const text = (detail: string | (() => string)): string => (typeof detail === 'string' ? detail : detail());
  const created = Date.now();
  let first: { time: number; step: number } | undefined;
  let last = 0;
  const rate = (step: number, now: number): string => (first ? (step - first.step) / Math.max(1e-3, (now - first.time) / 1000) : 0).toFixed(0);
  // Called every step: return early unless something is due.
  const due = (step: number, total: number, now: number, every: number): boolean => {
    first ??= { time: now, step };
    if (now - created < ctx.progressAfterMs || (step !== total && now - last < every)) return false;
    last = now;
    return true;
  };
  if (isTerminal(ctx)) {
    let bar: cliProgress.SingleBar | undefined;
    return {
      update(step, total, detail) {
        const now = Date.now();
        if (!due(step, total, now, 100)) return;
        if (!bar) {
          bar = new cliProgress.SingleBar({
            format: `${label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | {detail}`,
            stream: ctx.stderr as NodeJS.WritableStream, noTTYOutput: true, hideCursor: true, clearOnComplete: false,
          }, cliProgress.Presets.shades_classic);
          bar.start(total, step, { rate: rate(step, now), detail: text(detail) });
        }
        bar.update(step, { rate: rate(step, now), detail: text(detail) });
      },
      stop() { bar?.stop(); },
    };
  }
  return {
    update(step, total, detail) {
      const now = Date.now();
      if (due(step, total, now, 2000)) ctx.stderr.write(`${label}: ${step}/${total} ${unit}, ${rate(step, now)} ${unit}/s, ${text(detail)}\n`);
    },
    stop() {},
  };
}

/** For work in synchronous stages: call it with what starts next. */
export function stages(ctx: Ctx, label: string, quiet = false): (what: string) => void {
  const start = Date.now();
  return (what) => {
    const ms = Date.now() - start;
    if (!quiet && ms >= ctx.progressAfterMs) ctx.stderr.write(`${label}: ${what} (${(ms / 1000).toFixed(1)} s)\n`);
  };
}

// Progress for long work on standard error: a bar with steps per second and
// the current loss on a terminal, a quiet line every few seconds otherwise,
// nothing with --quiet. Standard output stays clean for --json.
import cliProgress from 'cli-progress';

export interface Progress {
  /** `detail` is shown after the rate: the current loss, or what is being measured. */
  update(step: number, total: number, detail: string): void;
  stop(): void;
}

const isTerminal = (): boolean => Boolean(process.stderr.isTTY) || process.env.DELTAGEN_FORCE_TTY === '1';

export function progress(label: string, quiet = false, unit = 'steps'): Progress {
  if (quiet) return { update() {}, stop() {} };
  const start = Date.now();
  const rate = (step: number): string => (step / Math.max(1e-3, (Date.now() - start) / 1000)).toFixed(0);
  if (isTerminal()) {
    const bar = new cliProgress.SingleBar({
      format: `${label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | {detail}`,
      stream: process.stderr, noTTYOutput: true, hideCursor: true, clearOnComplete: false,
    }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      update(step, total, detail) {
        if (!started) { bar.start(total, 0, { rate: '0', detail: '' }); started = true; }
        bar.update(step, { rate: rate(step), detail });
      },
      stop() { if (started) bar.stop(); },
    };
  }
  let last = 0;
  return {
    update(step, total, detail) {
      const now = Date.now();
      if (step === total || now - last >= 2000) {
        last = now;
        process.stderr.write(`${label}: ${step}/${total} ${unit}, ${rate(step)} ${unit}/s, ${detail}\n`);
      }
    },
    stop() {},
  };
}

// The playground page: the network file in an editor, its derivation rendered
// with KaTeX, the trainers, a verify box and training in a worker. The state
// (network, formula, notation) lives in the URL's fragment, so a link
// reproduces what the page shows. Built by scripts/build-playground.mjs.
import './no-eval.ts';
import katex from 'katex';
import question from '../examples/question.yaml';
import matlab from '../examples/question-matlab.json' with { type: 'json' };
import workerSource from 'deltagen:worker';
import { derivation, derive, javascript, latex, parse, startingParams, typescript, verifyClaim, type AnyCompiled, type AnyNetwork, type DerivationDocument, type VerifyResult } from '../src/browser.ts';
import { lineChart, type Series } from './plot.ts';

type Notation = 'nielsen' | 'question';

/** One derivation: parse + derive + document (compute), KaTeX and the DOM (render), from the edit to the DOM updated (sinceEdit) and to the frame after (painted); ms. */
interface Timing { readonly trigger: string; readonly seq: number; readonly compute: number; readonly render: number; readonly sinceEdit: number; readonly at: number; painted?: number }
/** What the browser test reads: times since navigation start (firstDerivation, firstPainted, scriptStart) and per derivation and training run. */
interface Timings { firstDerivation?: number; firstPainted?: number; scriptStart: number; derivations: Timing[]; trainings: { steps: number; ms: number }[] }

const timings: Timings = { scriptStart: performance.now(), derivations: [], trainings: [] };
(window as unknown as { __deltagenTimings: Timings }).__deltagenTimings = timings;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
};

const editor = $<HTMLTextAreaElement>('editor');
const backdrop = $('backdrop');
const gutter = $('gutter');
const errorBox = $('error');
const derivationBox = $('derivation');
const claimInput = $<HTMLInputElement>('claim');
const verdictBox = $('verdict');
const codeBox = $('code');
const trainButton = $<HTMLButtonElement>('train');
const stopButton = $<HTMLButtonElement>('stop');
const trainStatus = $('train-status');
const plots = $('plots');
const values = $('values');

// ---------------------------------------------------------------- state in the URL

interface State { network: string; claim: string; notation: Notation }

function readState(): State {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
  const notation = hash.get('notation');
  return {
    network: hash.get('network') ?? question,
    claim: hash.get('claim') ?? '',
    notation: notation === 'nielsen' || notation === 'question' ? notation : 'question',
  };
}

let stateTimer = 0;
function writeState(): void {
  window.clearTimeout(stateTimer);
  stateTimer = window.setTimeout(() => {
    const hash = new URLSearchParams();
    hash.set('network', editor.value);
    if (claimInput.value.trim()) hash.set('claim', claimInput.value);
    hash.set('notation', notation);
    const url = `${location.pathname}${location.search}#${hash.toString()}`;
    try {
      history.replaceState(null, '', url);
    } catch {
      location.hash = hash.toString();
    }
  }, 150);
}

// ---------------------------------------------------------------- KaTeX

const rendered = new Map<string, string>();

/** A display equation's HTML, cached by its LaTeX (re-derivations repeat most equations). */
function mathHtml(tex: string, display: boolean): string {
  const key = `${display ? 'D' : 'I'}${tex}`;
  let html = rendered.get(key);
  if (html === undefined) {
    html = katex.renderToString(tex, { displayMode: display, throwOnError: false, output: 'htmlAndMathml', strict: 'ignore' });
    if (rendered.size > 2000) rendered.clear();
    rendered.set(key, html);
  }
  return html;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Prose with $…$ inline math, as the derivation's "why" texts are written. */
function prose(text: string): string {
  return text.split(/(\$[^$]+\$)/).map((part) => (part.startsWith('$') && part.endsWith('$') && part.length > 1 ? mathHtml(part.slice(1, -1), false) : escapeHtml(part.replace(/\\texttt\{([^}]*)\}/g, '$1')))).join('');
}

function equation(tex: string, note = ''): string {
  return `<div class="eq"><div class="math">${mathHtml(tex, true)}</div><button type="button" class="copy-tex" data-tex="${escapeHtml(tex)}" title="Copy this equation's LaTeX">copy LaTeX</button>${note}</div>`;
}

// ---------------------------------------------------------------- derivation

let notation: Notation = 'question';
let network: AnyNetwork | undefined;
let compiled: AnyCompiled | undefined;
let seq = 0;

function renderDocument(doc: DerivationDocument): string {
  const parts: string[] = [];
  parts.push(`<h3 class="title">${prose(doc.title.replace(/\\texttt\{([^}]*)\}/g, '$1'))}</h3>`);
  parts.push(`<p>${prose(doc.deltaDefinition ? `With $${doc.deltaDefinition}$.` : '')} ${prose(doc.conventions ?? '')}</p>`);
  parts.push('<section class="summary"><h4>Backpropagation equations</h4>');
  for (const e of doc.equations) parts.push(equation(e.tex));
  parts.push('</section>');
  parts.push('<details class="forward" open><summary>Forward pass and loss</summary>');
  for (const e of doc.forward) parts.push(equation(e.tex));
  parts.push(`<p>Loss: ${escapeHtml(doc.loss.title)}.</p>`, equation(doc.loss.equation.tex));
  for (const a of doc.activations) {
    parts.push(`<p>${escapeHtml(a.name)}: ${mathHtml(a.definition, false)}, ${mathHtml(a.derivative, false)}${a.notes.map((n) => ` ${prose(n)}`).join('')}</p>`);
  }
  parts.push('</details>');
  if (doc.steps) {
    parts.push('<section class="steps"><h4>The derivation, step by step</h4><ol>');
    for (const s of doc.steps) {
      parts.push(`<li value="${s.number}" class="step">${s.intro ? `<p class="intro">${prose(s.intro)}</p>` : ''}<p><span class="rule">Step ${s.number}: ${escapeHtml(s.rule)}.</span> ${prose(s.why)}.</p>${equation(s.equation.tex)}</li>`);
    }
    parts.push('</ol></section>');
  }
  parts.push('<section class="update"><h4>The update</h4>');
  if (doc.update.optimizer) parts.push(`<p>${prose(doc.update.optimizer.intro)}</p>`);
  parts.push(equation(doc.update.equation.tex), `<p>${mathHtml(doc.update.eta, false)}${doc.update.optimizer ? ` ${prose(doc.update.optimizer.after)}` : ''}</p>`);
  parts.push('</section>');
  return parts.join('\n');
}

interface ParsedError { line?: number; col?: number; message: string }

function readError(err: unknown): ParsedError {
  const text = err instanceof Error ? err.message : String(err);
  const withPlace = /^network\.yaml:(\d+):(\d+): ([\s\S]*)$/.exec(text);
  if (withPlace) return { line: Number(withPlace[1]), col: Number(withPlace[2]), message: withPlace[3]! };
  const plain = /^network\.yaml: ([\s\S]*)$/.exec(text);
  if (plain) return { message: plain[1]! };
  const internal = err instanceof Error && err.name !== 'UserError' && !(err.constructor?.name ?? '').endsWith('Error') ? 'internal error: ' : '';
  return { message: internal + text };
}

/** Line numbers beside the editor and the error's line and column marked behind the text. */
function paintEditor(error?: ParsedError): void {
  const lines = editor.value.split('\n');
  gutter.innerHTML = lines.map((_, i) => `<div${error?.line === i + 1 ? ' class="err"' : ''}>${i + 1}</div>`).join('');
  backdrop.innerHTML = lines.map((line, i) => {
    if (error?.line !== i + 1) return `${escapeHtml(line)}\n`;
    const at = Math.max(0, Math.min(line.length, (error.col ?? 1) - 1));
    const ch = line.slice(at, at + 1) || ' ';
    return `<span class="err-line">${escapeHtml(line.slice(0, at))}<span class="err-col">${escapeHtml(ch)}</span>${escapeHtml(line.slice(at + 1))}</span>\n`;
  }).join('');
  syncScroll();
}

function syncScroll(): void {
  backdrop.scrollTop = editor.scrollTop;
  backdrop.scrollLeft = editor.scrollLeft;
  gutter.scrollTop = editor.scrollTop;
}

function showError(e: ParsedError | undefined): void {
  if (!e) {
    errorBox.hidden = true;
    errorBox.textContent = '';
    delete errorBox.dataset.line;
    delete errorBox.dataset.col;
    return;
  }
  errorBox.hidden = false;
  errorBox.innerHTML = e.line !== undefined
    ? `<a href="#" id="error-place">line ${e.line}, column ${e.col}</a>: ${escapeHtml(e.message)}`
    : escapeHtml(e.message);
  if (e.line !== undefined) {
    errorBox.dataset.line = String(e.line);
    errorBox.dataset.col = String(e.col);
  } else {
    delete errorBox.dataset.line;
    delete errorBox.dataset.col;
  }
}

function goTo(line: number, col: number): void {
  const lines = editor.value.split('\n');
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i]!.length + 1;
  offset += Math.max(0, col - 1);
  editor.focus();
  editor.setSelectionRange(offset, offset);
}

let editAt: number | undefined;
let frame = 0;

/** Parse, derive and render; the error at its place instead when the file is wrong. */
function update(trigger: string): void {
  const t0 = performance.now();
  const since = editAt ?? t0;
  editAt = undefined;
  let doc: DerivationDocument;
  try {
    network = parse(editor.value);
    compiled = derive(network);
    doc = derivation(compiled, { notation });
  } catch (err) {
    const e = readError(err);
    paintEditor(e);
    showError(e);
    document.body.dataset.state = 'error';
    derivationBox.dataset.state = 'error';
    derivationBox.classList.add('stale');
    trainButton.disabled = true;
    writeState();
    return;
  }
  const t1 = performance.now();
  paintEditor();
  showError(undefined);
  derivationBox.innerHTML = renderDocument(doc);
  derivationBox.classList.remove('stale');
  const t2 = performance.now();
  seq++;
  derivationBox.dataset.seq = String(seq);
  derivationBox.dataset.state = 'ready';
  document.body.dataset.state = 'ready';
  const timing: Timing = { trigger, seq, compute: t1 - t0, render: t2 - t1, sinceEdit: t2 - since, at: t2 };
  timings.derivations.push(timing);
  if (timings.firstDerivation === undefined) timings.firstDerivation = t2;
  // The frame after this one: the derivation has been painted by then.
  requestAnimationFrame(() => {
    timing.painted = performance.now() - since;
    if (timings.firstPainted === undefined) {
      timings.firstPainted = performance.now();
      // Also in the DOM, for a browser run without DevTools attached (chromium --dump-dom) to read.
      document.documentElement.dataset.firstPainted = timings.firstPainted.toFixed(1);
      document.documentElement.dataset.scriptStart = timings.scriptStart.toFixed(1);
    }
    derivationBox.dataset.painted = String(timing.seq);
  });
  writeState();
  // What is not the derivation comes after it is on the screen.
  code = undefined;
  window.setTimeout(afterDerivation, 0);
}

function scheduleUpdate(trigger: string): void {
  editAt ??= performance.now();
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    update(trigger);
  });
}

function afterDerivation(): void {
  if (!compiled || !network) return;
  showCode();
  prepareTraining();
  if (claimInput.value.trim() && verifiedFor !== `${editor.value}\u0000${claimInput.value}`) runVerify();
}

// ---------------------------------------------------------------- trainer code

let code: { ts: string; js: string } | undefined;
let codeTab: 'ts' | 'js' = 'ts';

function trainerCode(): { ts: string; js: string } | undefined {
  if (!compiled) return undefined;
  code ??= { ts: typescript(compiled), js: javascript(compiled) };
  return code;
}

function showCode(): void {
  const c = trainerCode();
  if (!c) return;
  codeBox.firstElementChild!.textContent = c[codeTab];
  $('tab-ts').setAttribute('aria-selected', String(codeTab === 'ts'));
  $('tab-js').setAttribute('aria-selected', String(codeTab === 'js'));
}

function fileName(ext: string): string {
  const name = network?.name.replace(/[^A-Za-z0-9_-]+/g, '-') || 'network';
  return `${name}.${ext}`;
}

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function copyText(text: string, button: HTMLElement): Promise<void> {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    area.remove();
  }
  const label = button.textContent;
  button.textContent = ok ? 'copied' : 'copy failed';
  button.dataset.copied = String(ok);
  window.setTimeout(() => {
    button.textContent = label;
    delete button.dataset.copied;
  }, 1200);
}

// ---------------------------------------------------------------- verify

let verifiedFor = '';

function formatValue(v: unknown): string {
  return JSON.stringify(v)?.replace(/,/g, ', ') ?? String(v);
}

/** A word of a hint in LaTeX (h_{t-1}, a^{(L-1)}) as math, when KaTeX reads it whole; else the word as text. */
function hintWordHtml(word: string): string {
  if (!/[\\_^]/.test(word)) return escapeHtml(word);
  try {
    return katex.renderToString(word, { displayMode: false, throwOnError: true, output: 'htmlAndMathml', strict: 'ignore' });
  } catch {
    return escapeHtml(word);
  }
}

/** A hint: a claim written in LaTeX gets hints naming its LaTeX (h_t where h_{t-1} belongs), shown typeset. */
const hintHtml = (hint: string, latexClaim: boolean): string => (latexClaim ? hint.split(/(\s+)/).map(hintWordHtml).join('') : escapeHtml(hint));

function renderVerdict(result: VerifyResult, text: string, latexClaim: boolean): string {
  const parts: string[] = [];
  parts.push(`<p><strong id="verdict-word" class="verdict ${result.verdict}">${result.verdict}</strong> <span class="claim-read">for ∂${escapeHtml(result.of)}/∂${escapeHtml(result.wrt)}, read as ${mathHtml(result.read.latex, false)}</span></p>`);
  if (result.shapes) parts.push(`<p class="shapes">${escapeHtml(result.shapes)}</p>`);
  const ce = result.counterexample;
  if (ce) {
    const point = ce.point as unknown as { params: Record<string, unknown>; x: unknown; y: unknown; rate?: unknown };
    const at = ce.relevant.map((name) => {
      const v = name in point.params ? point.params[name] : name === 'x' ? point.x : name === 'y' ? point.y : name === 'R' || name === 'rate' ? point.rate : undefined;
      return v === undefined ? '' : `${name} = ${formatValue(v)}`;
    }).filter(Boolean).join(', ');
    const where = ce.element ? ` (element ${ce.element[0]}, ${ce.element[1]})` : '';
    parts.push(`<p id="counterexample"><span class="label">Counterexample${where}:</span> the formula gives <code>${ce.formula}</code>, the right value is <code>${ce.expected}</code>${at ? ` with <code>${escapeHtml(at)}</code>` : ''}.</p>`);
  }
  if (result.differs.length) parts.push(`<div id="differs"><span class="label">What differs:</span><ul>${result.differs.map((d) => `<li>${hintHtml(d, latexClaim)}</li>`).join('')}</ul></div>`);
  if (result.expected && result.verdict === 'different') {
    parts.push(`<div id="expected"><span class="label">The right formula:</span>${equation(result.expected.latex)}<p class="mathjs">mathjs: <code>${escapeHtml(result.expected.formula)}</code></p></div>`);
  }
  parts.push(`<details><summary>Full report</summary><pre id="verify-report">${escapeHtml(text)}</pre></details>`);
  return parts.join('\n');
}

/** dC/dW1 (dC/dW_h_h) as typed on a keyboard without ∂: the library reads ∂C/∂W1. */
function readable(claim: string): string {
  // Names as verify writes them: W1, a2, and a graph network's W_h_h, b_out.
  return claim.replace(/^\s*d\s*([A-Za-z]\w*)\s*\/\s*d\s*([A-Za-z]\w*)\s*=/, '∂$1/∂$2 =');
}

function runVerify(): void {
  const claim = claimInput.value.trim();
  writeState();
  if (!claim) {
    verdictBox.innerHTML = '';
    verdictBox.dataset.state = 'empty';
    return;
  }
  if (!network) {
    verdictBox.innerHTML = '<p class="problem">Fix the network file first.</p>';
    verdictBox.dataset.state = 'error';
    return;
  }
  verifiedFor = `${editor.value}\u0000${claimInput.value}`;
  try {
    const { result, text } = verifyClaim(network, readable(claim));
    verdictBox.innerHTML = renderVerdict(result, text, /\\|[_^]\{/.test(claim));
    verdictBox.dataset.state = 'ready';
    verdictBox.dataset.verdict = result.verdict;
  } catch (err) {
    verdictBox.innerHTML = `<p class="problem">${escapeHtml(err instanceof Error ? err.message : String(err))}</p>`;
    verdictBox.dataset.state = 'error';
    delete verdictBox.dataset.verdict;
  }
}

// ---------------------------------------------------------------- training

interface Run {
  worker: Worker;
  started: number;
  total: number;
  losses: number[];
  /** Every parameter after every step, for networks of a few parameters. */
  params: number[][];
  names: string[];
  question: boolean;
  done: boolean;
}

let run: Run | undefined;
let workerUrl: string | undefined;
let plotFrame = 0;

/** The question's own run: one weight from −23.1, rate 0.007, 20 steps on (5.7, 50.1); then MATLAB's values are drawn beside ours. */
function isQuestionRun(net: AnyNetwork): boolean {
  const t = net.train;
  if (!t || t.rate !== 0.007 || t.steps !== 20 || t.data.length !== 1) return false;
  const { params } = startingParams(net);
  const ex = t.data[0]!;
  return params.length === 1 && params[0] === -23.1 && ex.x.length === 1 && ex.x[0] === 5.7 && ex.y.length === 1 && ex.y[0] === 50.1 && !t.optimizer && !t.schedule;
}

function prepareTraining(): void {
  if (run && !run.done) return;
  const ready = !!network?.train && network.train.data.length > 0;
  trainButton.disabled = !ready;
  if (!ready) trainStatus.textContent = 'Add a train section with data to train here.';
  else if (!run) trainStatus.textContent = '';
}

function startTraining(): void {
  if (!network || !compiled || !network.train) return;
  stopTraining();
  const net = network;
  const t = net.train!;
  const { params, names } = startingParams(net);
  const n = t.data.length;
  const batch = Math.min(t.batch ?? 1, n);
  const total = t.steps ?? (t.epochs ?? 1) * Math.ceil(n / batch);
  const options = {
    rate: t.rate,
    ...(t.steps !== undefined ? { steps: t.steps } : { epochs: t.epochs ?? 1 }),
    batchSize: batch,
    ...(t.optimizer ? { optimizer: t.optimizer } : {}),
    ...(t.shuffle ? { shuffle: true, seed: t.seed } : {}),
    ...(t.schedule ? { schedule: t.schedule } : {}),
    ...(t.validation ? { validation: t.validation } : {}),
    ...(t.patience !== undefined ? { patience: t.patience } : {}),
    ...(t.restoreBest !== undefined ? { restoreBest: t.restoreBest } : {}),
  };
  workerUrl ??= URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  const worker = new Worker(workerUrl);
  const record = params.length <= 8;
  run = { worker, started: performance.now(), total, losses: [], params: [], names, question: isQuestionRun(net), done: false };
  const current = run;
  worker.onmessage = (event: MessageEvent) => {
    const m = event.data as { type: 'steps'; losses: number[]; params?: number[][] } | { type: 'done'; final: unknown; steps: number } | { type: 'error'; message: string };
    if (current !== run) return;
    if (m.type === 'steps') {
      current.losses.push(...m.losses);
      if (m.params) current.params.push(...m.params);
      trainStatus.textContent = `step ${current.losses.length} of ${total}, loss ${current.losses[current.losses.length - 1]!.toPrecision(5)}`;
    } else if (m.type === 'done') {
      current.done = true;
      const ms = performance.now() - current.started;
      timings.trainings.push({ steps: m.steps, ms });
      trainStatus.textContent = `${m.steps} steps in ${ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`}; final loss ${current.losses[current.losses.length - 1]?.toPrecision(5) ?? '—'}`;
      finishTraining(m.final);
    } else {
      current.done = true;
      trainStatus.textContent = `Training stopped: ${m.message}`;
      trainStatus.classList.add('problem');
      finishTraining(undefined);
    }
    schedulePlot();
  };
  worker.onerror = (event) => {
    event.preventDefault();
    if (current !== run) return;
    current.done = true;
    trainStatus.textContent = `The training worker failed: ${event.message || 'unknown error'}`;
    finishTraining(undefined);
  };
  trainStatus.classList.remove('problem');
  trainStatus.textContent = 'starting…';
  values.innerHTML = '';
  values.dataset.state = 'training';
  trainButton.disabled = true;
  stopButton.disabled = false;
  const data = t.data.map((e) => ({ x: Array.from(e.x), y: Array.from(e.y) }));
  worker.postMessage({ source: code?.js ?? javascript(compiled), data, params, options, record });
  schedulePlot();
}

function finishTraining(final: unknown): void {
  const r = run;
  if (!r) return;
  r.worker.terminate();
  stopButton.disabled = true;
  trainButton.disabled = !network?.train;
  values.dataset.state = final === undefined ? 'failed' : 'done';
  values.innerHTML = valuesHtml(r, final);
}

function stopTraining(): void {
  if (run && !run.done) {
    run.done = true;
    run.worker.terminate();
    trainStatus.textContent = `stopped at step ${run.losses.length}`;
    stopButton.disabled = true;
    trainButton.disabled = !network?.train;
    values.dataset.state = 'stopped';
  }
}

function valuesHtml(r: Run, final: unknown): string {
  const parts: string[] = [];
  if (r.params.length && r.names.length <= 4 && r.params.length <= 200) {
    const matlabW = (matlab as { W1: number[] }).W1;
    parts.push('<table id="trajectory"><thead><tr><th>step</th>');
    for (const name of r.names) parts.push(`<th>${escapeHtml(name)} (deltagen)</th>`);
    if (r.question) parts.push('<th>W (MATLAB, in the question)</th>');
    parts.push('</tr></thead><tbody>');
    r.params.forEach((p, i) => {
      parts.push(`<tr><td>${i + 1}</td>${p.map((v) => `<td class="ours" data-value="${v}">${v.toFixed(4)}</td>`).join('')}`);
      if (r.question) parts.push(`<td class="matlab">${matlabW[i] ?? ''}</td>`);
      parts.push('</tr>');
    });
    parts.push('</tbody></table>');
  }
  if (final !== undefined) parts.push(`<details${r.params.length ? '' : ' open'}><summary>Trained parameters (JSON)</summary><pre id="final-params">${escapeHtml(JSON.stringify(final, null, 1).replace(/\n\s+(?=[-\d\]])/g, ' '))}</pre></details>`);
  return parts.join('');
}

function schedulePlot(): void {
  if (plotFrame) return;
  plotFrame = requestAnimationFrame(() => {
    plotFrame = 0;
    drawPlots();
  });
}

function drawPlots(): void {
  const r = run;
  if (!r) {
    plots.innerHTML = '';
    return;
  }
  const charts: string[] = [];
  const width = Math.max(300, Math.min(720, plots.clientWidth || 640));
  const loss: [number, number][] = thin(r.losses).map(([i, v]) => [i + 1, v]);
  charts.push(lineChart({ width, id: 'loss-plot', title: 'Loss at each step (before its update)', xLabel: 'step', yLabel: 'C', xMax: r.total, log: true, series: [{ name: 'loss', points: loss, kind: 'line' }] }));
  if (r.params.length && r.names.length <= 4) {
    const series: Series[] = r.names.map((name, k) => ({ name: `${name} (deltagen)`, points: r.params.map((p, i) => [i + 1, p[k]!] as [number, number]), kind: 'line' as const }));
    if (r.question) series.push({ name: 'W (MATLAB)', points: (matlab as { W1: number[] }).W1.map((w, i) => [i + 1, w] as [number, number]), kind: 'dots' });
    charts.push(lineChart({ width, id: 'params-plot', title: r.question ? 'W after each step, against the question’s MATLAB values' : 'The parameters after each step', xLabel: 'step', yLabel: r.names.length === 1 ? r.names[0]! : 'value', xMax: r.total, series }));
  }
  plots.innerHTML = charts.join('');
}

/** At most about 1500 points of a long run: each bucket's first, largest and smallest. */
function thin(ys: number[]): [number, number][] {
  const n = ys.length;
  if (n <= 1500) return ys.map((y, i) => [i, y]);
  const size = Math.ceil(n / 500);
  const out: [number, number][] = [];
  for (let start = 0; start < n; start += size) {
    let lo = start;
    let hi = start;
    for (let i = start; i < Math.min(n, start + size); i++) {
      if (ys[i]! < ys[lo]!) lo = i;
      if (ys[i]! > ys[hi]!) hi = i;
    }
    for (const i of [...new Set([start, lo, hi])].sort((a, b) => a - b)) out.push([i, ys[i]!]);
  }
  return out;
}

// ---------------------------------------------------------------- wiring

function start(): void {
  const state = readState();
  notation = state.notation;
  editor.value = state.network;
  claimInput.value = state.claim;
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="notation"]')) {
    radio.checked = radio.value === notation;
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      notation = radio.value as Notation;
      editAt = performance.now();
      update('notation');
      if (claimInput.value.trim()) runVerify();
    });
  }
  editor.addEventListener('input', () => scheduleUpdate('edit'));
  editor.addEventListener('scroll', syncScroll);
  editor.addEventListener('keydown', (event) => {
    // Tab indents by two spaces, as YAML wants, instead of leaving the editor.
    if (event.key === 'Tab' && !event.shiftKey && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      document.execCommand('insertText', false, '  ');
    }
  });
  errorBox.addEventListener('click', (event) => {
    const target = event.target as HTMLElement;
    if (target.id !== 'error-place') return;
    event.preventDefault();
    goTo(Number(errorBox.dataset.line), Number(errorBox.dataset.col));
  });
  $('verify-form').addEventListener('submit', (event) => {
    event.preventDefault();
    runVerify();
  });
  claimInput.addEventListener('input', writeState);
  derivationBox.addEventListener('click', (event) => copyFrom(event));
  verdictBox.addEventListener('click', (event) => copyFrom(event));
  $('download-tex').addEventListener('click', () => {
    if (compiled) download(fileName('tex'), latex(compiled, { notation }), 'application/x-tex');
  });
  $('tab-ts').addEventListener('click', () => {
    codeTab = 'ts';
    showCode();
  });
  $('tab-js').addEventListener('click', () => {
    codeTab = 'js';
    showCode();
  });
  $('copy-code').addEventListener('click', (event) => {
    const c = trainerCode();
    if (c) void copyText(c[codeTab], event.currentTarget as HTMLElement);
  });
  $('download-code').addEventListener('click', () => {
    const c = trainerCode();
    if (c) download(fileName(codeTab), c[codeTab], 'text/javascript');
  });
  $('reset').addEventListener('click', () => {
    editor.value = question;
    scheduleUpdate('reset');
  });
  $('copy-link').addEventListener('click', (event) => {
    window.clearTimeout(stateTimer);
    const hash = new URLSearchParams({ network: editor.value, ...(claimInput.value.trim() ? { claim: claimInput.value } : {}), notation });
    void copyText(`${location.href.replace(/#.*$/, '')}#${hash.toString()}`, event.currentTarget as HTMLElement);
  });
  trainButton.addEventListener('click', startTraining);
  stopButton.addEventListener('click', stopTraining);
  window.addEventListener('resize', () => {
    if (run) schedulePlot();
  });
  window.addEventListener('hashchange', () => {
    const s = readState();
    if (s.network === editor.value && s.claim === claimInput.value && s.notation === notation) return;
    editor.value = s.network;
    claimInput.value = s.claim;
    notation = s.notation;
    for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="notation"]')) radio.checked = radio.value === notation;
    update('hash');
  });
  update('load');
}

function copyFrom(event: Event): void {
  const button = (event.target as HTMLElement).closest<HTMLElement>('button.copy-tex');
  if (button?.dataset.tex !== undefined) void copyText(button.dataset.tex, button);
}

start();

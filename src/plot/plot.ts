// Training plots with vega-lite: for small networks the trajectory of every
// parameter (the question's plot of W against the iteration, with the limit
// marked) above the loss on a log scale; for larger ones the loss and the
// gradient norm of every layer. SVG from vega's headless renderer, PNG by resvg.
// vega, vega-lite and resvg are loaded only when a plot is drawn: they cost
// about half a second of start-up that no other command needs.
import type { TopLevelSpec } from 'vega-lite';
import type { PlotData } from './data.ts';

export { TRAJECTORY_LIMIT, type PlotData } from './data.ts';

const WIDTH = 520;

function lineChart(title: string, rows: object[], y: string, log: boolean, series: string | undefined, rules: object[] = []): object {
  const line = {
    mark: { type: 'line', point: rows.length <= 60 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'iteration' },
      y: { field: 'value', type: 'quantitative', title: y, scale: log ? { type: 'log' } : { zero: false } },
      ...(series ? { color: { field: series, type: 'nominal', title: null } } : {}),
    },
  };
  const layers: object[] = [{ data: { values: rows }, ...line }];
  if (rules.length > 0) {
    layers.push({
      data: { values: rules },
      mark: { type: 'rule', strokeDash: [6, 4] },
      encoding: { y: { field: 'value', type: 'quantitative' }, ...(series ? { color: { field: series, type: 'nominal' } } : {}) },
    });
    layers.push({
      data: { values: rules },
      mark: { type: 'text', align: 'right', dy: -7, x: WIDTH },
      encoding: { y: { field: 'value', type: 'quantitative' }, text: { field: 'label' } },
    });
  }
  return { title, width: WIDTH, height: 220, layer: layers };
}

export function plotSpec(data: PlotData): TopLevelSpec {
  const charts: object[] = [];
  if (data.trajectories) {
    const rows = Object.entries(data.trajectories).flatMap(([name, values]) => values.map((value, i) => ({ step: i + 1, value, parameter: name })));
    const rules = Object.entries(data.limits ?? {}).map(([name, value]) => ({ parameter: name, value, label: `${name} → ${value.toPrecision(6)}` }));
    charts.push(lineChart('Parameters after each step', rows, 'value', false, 'parameter', rules));
  }
  const positive = data.losses.map((value, i) => ({ step: i + 1, value })).filter((r) => r.value > 0);
  charts.push(lineChart('Loss before each step (log scale)', positive, 'loss C', true, undefined));
  if (data.gradientNorms) {
    const rows = Object.entries(data.gradientNorms).flatMap(([name, values]) => values.map((value, i) => ({ step: i + 1, value, layer: name })).filter((r) => r.value > 0));
    charts.push(lineChart('Gradient norm per layer (log scale)', rows, '‖∂C/∂W‖', true, 'layer'));
  }
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: data.title, vconcat: charts, config: { font: 'DejaVu Sans' } } as TopLevelSpec;
}

/** SVG with the plotted numbers attached as JSON metadata, so that tests and tools can read them back. */
export async function renderSvg(data: PlotData): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(plotSpec(data)).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const metadata = `<metadata id="deltagen-data">${JSON.stringify(data).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</metadata>`;
  return svg.replace(/^(<svg[^>]*>)/, `$1${metadata}`);
}

export async function svgToPng(svg: string): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  return new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}

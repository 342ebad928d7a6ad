/**
 * The demo's live chart: latency and buffer ahead over the last minute, from the player's `stats` events, on a
 * <canvas> (no dependencies). Light on purpose: a sample is an array push; drawing is one requestAnimationFrame per
 * batch of samples (none while the tab is hidden), a few hundred lineTo calls.
 */

/** Seconds of history shown. */
const WINDOW_S = 60;
export const CHART_COLORS = {
  background: '#181818',
  grid: '#333',
  text: '#889',
  latency: '#4fc3f7',
  buffer: '#ffb74d',
};

interface Sample {
  /** performance.now() / 1000 when the stats came. */
  at: number;
  /** Live latency in seconds (NaN when not live). */
  latency: number;
  bufferAhead: number;
}

/** Scale tops (seconds): the smallest that holds the largest value shown. */
const SCALES = [0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120];

export class LatencyChart {
  private readonly canvas: HTMLCanvasElement;
  private samples: Sample[] = [];
  private frame: number | undefined;
  /** The target latency, drawn as a dashed line (NaN: none). */
  private target = Number.NaN;

  constructor(canvas: HTMLCanvasElement) {
    this.canvas = canvas;
  }

  /** Forgets what was drawn (a new stream); `target`: its live target latency, if any. */
  reset(target = Number.NaN): void {
    this.samples = [];
    this.target = target;
    this.schedule();
  }

  add(latency: number, bufferAhead: number): void {
    const at = performance.now() / 1000;
    this.samples.push({ at, latency, bufferAhead });
    while (this.samples.length > 0 && this.samples[0]!.at < at - WINDOW_S) this.samples.shift();
    this.schedule();
  }

  private schedule(): void {
    if (this.frame !== undefined) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = undefined;
      this.draw();
    });
  }

  private draw(): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.round(c.clientWidth * dpr);
    const height = Math.round(c.clientHeight * dpr);
    if (width === 0 || height === 0) return;
    if (c.width !== width || c.height !== height) {
      c.width = width;
      c.height = height;
    }
    const g = c.getContext('2d');
    if (!g) return;
    g.fillStyle = CHART_COLORS.background;
    g.fillRect(0, 0, width, height);
    const now = performance.now() / 1000;
    let top = 0;
    for (const s of this.samples) {
      if (Number.isFinite(s.latency)) top = Math.max(top, s.latency);
      top = Math.max(top, s.bufferAhead);
    }
    const scale = SCALES.find((v) => v >= top * 1.1) ?? Math.ceil(top);
    const pad = 4 * dpr;
    const left = 28 * dpr;
    const x = (at: number) => left + ((at - (now - WINDOW_S)) / WINDOW_S) * (width - left - pad);
    const y = (v: number) => height - pad - (Math.min(v, scale) / scale) * (height - 2 * pad);
    // Grid: a line at 0, half and full scale, labelled; one every 10 s across.
    g.strokeStyle = CHART_COLORS.grid;
    g.fillStyle = CHART_COLORS.text;
    g.lineWidth = dpr;
    g.font = `${10 * dpr}px system-ui, sans-serif`;
    g.textBaseline = 'middle';
    g.beginPath();
    for (const v of [0, scale / 2, scale]) {
      g.moveTo(left, y(v));
      g.lineTo(width - pad, y(v));
      g.fillText(`${v}s`, 2 * dpr, Math.min(height - pad, Math.max(pad + 4 * dpr, y(v))));
    }
    for (let s = 10; s < WINDOW_S; s += 10) {
      g.moveTo(x(now - s), pad);
      g.lineTo(x(now - s), height - pad);
    }
    g.stroke();
    if (Number.isFinite(this.target) && this.samples.some((s) => Number.isFinite(s.latency))) {
      g.setLineDash([4 * dpr, 4 * dpr]);
      g.strokeStyle = CHART_COLORS.latency;
      g.globalAlpha = 0.5;
      g.beginPath();
      g.moveTo(left, y(this.target));
      g.lineTo(width - pad, y(this.target));
      g.stroke();
      g.setLineDash([]);
      g.globalAlpha = 1;
    }
    this.line(g, x, y, 'bufferAhead', CHART_COLORS.buffer, 2 * dpr);
    this.line(g, x, y, 'latency', CHART_COLORS.latency, 2 * dpr);
  }

  private line(
    g: CanvasRenderingContext2D,
    x: (at: number) => number,
    y: (v: number) => number,
    key: 'latency' | 'bufferAhead',
    color: string,
    width: number,
  ): void {
    g.strokeStyle = color;
    g.lineWidth = width;
    g.lineJoin = 'round';
    g.beginPath();
    let drawing = false;
    for (const s of this.samples) {
      const v = s[key];
      if (!Number.isFinite(v)) {
        drawing = false; // a gap (not live yet)
        continue;
      }
      if (drawing) g.lineTo(x(s.at), y(v));
      else g.moveTo(x(s.at), y(v));
      drawing = true;
    }
    g.stroke();
  }
}

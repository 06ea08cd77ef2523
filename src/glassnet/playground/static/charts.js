// The playground's charts: a few small functions on a 2-D canvas, no library.
"use strict";

const Charts = (() => {
  const CLASS0 = [224, 138, 30];   // label 0: orange
  const CLASS1 = [47, 109, 181];   // label 1: blue
  const INK = "#1d232b";
  const MUTED = "#5c6773";
  const GRID = "#e3e7ec";
  const FONT = "11px system-ui, sans-serif";

  function clear(canvas) {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = FONT;
    return ctx;
  }

  function format(value) {
    if (value === 0) return "0";
    const a = Math.abs(value);
    if (a >= 1e4 || a < 1e-3) return value.toExponential(0);
    return Number(value.toPrecision(3)).toString();
  }

  // "Nice" tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten.
  function ticks(low, high, count) {
    const span = high - low || 1;
    const raw = span / count;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((f) => f * power).find((s) => s >= raw);
    const values = [];
    for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) values.push(v);
    return values;
  }

  // Line chart: series = [{x: [...], y: [...], color}], y from 0 (costs are >= 0).
  function lines(canvas, series, { xLabel = "", empty = "" } = {}) {
    const ctx = clear(canvas);
    const W = canvas.width, H = canvas.height;
    const left = 46, right = 10, top = 10, bottom = 28;
    let xMax = 1, yMax = 0;
    for (const s of series) {
      for (let i = 0; i < s.y.length; i++) {
        if (s.y[i] !== null && Number.isFinite(s.y[i])) yMax = Math.max(yMax, s.y[i]);
        xMax = Math.max(xMax, s.x[i]);
      }
    }
    if (yMax === 0) yMax = 1;
    const px = (x) => left + (x / xMax) * (W - left - right);
    const py = (y) => H - bottom - (y / yMax) * (H - top - bottom);
    ctx.strokeStyle = GRID;
    ctx.fillStyle = MUTED;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of ticks(0, yMax, 4)) {
      ctx.beginPath(); ctx.moveTo(left, py(v)); ctx.lineTo(W - right, py(v)); ctx.stroke();
      ctx.fillText(format(v), left - 4, py(v));
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of ticks(0, xMax, 5)) ctx.fillText(format(v), px(v), H - bottom + 4);
    ctx.fillText(xLabel, (left + W - right) / 2, H - 13);
    if (!series.some((s) => s.y.length)) {
      ctx.fillText(empty, (left + W) / 2, H / 2 - 10);
      return;
    }
    ctx.lineWidth = 1.5;
    for (const s of series) {
      ctx.strokeStyle = s.color;
      ctx.beginPath();
      let drawing = false;
      for (let i = 0; i < s.y.length; i++) {
        if (s.y[i] === null) { drawing = false; continue; }
        const X = px(s.x[i]), Y = py(Math.min(s.y[i], yMax));
        if (drawing) ctx.lineTo(X, Y); else ctx.moveTo(X, Y);
        drawing = true;
      }
      ctx.stroke();
    }
    ctx.lineWidth = 1;
  }

  // P(y = 1) shades on an n x n grid (row 0 on top) between the class colours, then the points.
  // Regression: the output in [-1, 1] from orange to blue, points coloured by their target.
  // ``discretize`` shows only the side of 0.5 (or of 0); ``showTest`` draws the validation points.
  function boundary(canvas, shades, n, bounds, points, { regression = false, discretize = false, showTest = true } = {}) {
    const ctx = clear(canvas);
    const W = canvas.width, H = canvas.height;
    const tile = document.createElement("canvas");
    tile.width = n; tile.height = n;
    const tctx = tile.getContext("2d");
    const image = tctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      let p = shades[i] / 255;
      if (discretize) p = p < 0.5 ? 0 : 1;
      // blend towards white near p = 0.5 so the boundary itself is the lightest line
      const c = p < 0.5 ? CLASS0 : CLASS1;
      const strength = Math.abs(p - 0.5) * 2 * 0.55;
      for (let k = 0; k < 3; k++) image.data[4 * i + k] = 255 + (c[k] - 255) * strength;
      image.data[4 * i + 3] = 255;
    }
    tctx.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tile, 0, 0, W, H);
    const [x0, y0, x1, y1] = bounds;
    const px = (x) => ((x - x0) / (x1 - x0)) * W;
    const py = (y) => H - ((y - y0) / (y1 - y0)) * H;
    for (const [x, y, label, isTrain] of points) {
      if (!isTrain && !showTest) continue;
      let c = label ? CLASS1 : CLASS0;
      if (regression) {
        const t = Math.max(-1, Math.min(1, label)), base = t < 0 ? CLASS0 : CLASS1, s = Math.abs(t);
        c = base.map((k) => Math.round(255 + (k - 255) * (0.25 + 0.75 * s)));
      }
      ctx.beginPath();
      ctx.arc(px(x), py(y), 3.2, 0, 2 * Math.PI);
      if (isTrain) {
        ctx.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
        ctx.fill();
        ctx.strokeStyle = "#fff";
      } else {
        ctx.strokeStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
        ctx.lineWidth = 2;
      }
      ctx.stroke();
      ctx.lineWidth = 1;
    }
    ctx.fillStyle = INK;
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    ctx.fillText(`x1 from ${format(x0)} to ${format(x1)}`, 6, H - 4);
    ctx.save();
    ctx.translate(12, H - 6);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "top";
    ctx.fillText(`x2 from ${format(y0)} to ${format(y1)}`, 130, -8);
    ctx.restore();
  }

  // Bars on a log10 scale, one per layer: the per-layer gradient norms.
  function logBars(canvas, values, labels) {
    const ctx = clear(canvas);
    const W = canvas.width, H = canvas.height;
    const left = 46, bottom = 22, top = 8;
    const finite = values.filter((v) => v !== null && v > 0);
    if (!finite.length) {
      ctx.fillStyle = MUTED;
      ctx.textAlign = "center";
      ctx.fillText("no gradient", W / 2, H / 2);
      return;
    }
    let low = Math.floor(Math.log10(Math.min(...finite)));
    let high = Math.ceil(Math.log10(Math.max(...finite)));
    if (high - low < 2) low = high - 2;
    const py = (v) => H - bottom - ((Math.log10(v) - low) / (high - low)) * (H - top - bottom);
    ctx.strokeStyle = GRID;
    ctx.fillStyle = MUTED;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const every = Math.max(1, Math.ceil((high - low) / 5));
    for (let e = low; e <= high; e += every) {
      ctx.beginPath(); ctx.moveTo(left, py(10 ** e)); ctx.lineTo(W - 4, py(10 ** e)); ctx.stroke();
      ctx.fillText(`1e${e}`, left - 4, py(10 ** e));
    }
    const slot = (W - left - 4) / values.length;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    values.forEach((v, i) => {
      const x = left + i * slot + slot * 0.15;
      ctx.fillStyle = `rgb(${CLASS1.join(",")})`;
      if (v !== null && v > 0) {
        const y = Math.max(top, py(v));
        ctx.fillRect(x, y, slot * 0.7, H - bottom - y);
      }
      ctx.fillStyle = INK;
      ctx.fillText(labels[i], x + slot * 0.35, H - bottom + 4);
    });
  }

  // Small multiples: one row per layer, W[l] on the left and A[l] on the right.
  function histograms(canvas, weights, activations) {
    const ctx = clear(canvas);
    const W = canvas.width, H = canvas.height;
    const rows = weights.length;
    const rowH = H / rows, half = W / 2;
    const drawOne = (hist, x, y, w, h, color) => {
      const max = Math.max(1, ...hist.counts);
      const bar = w / hist.counts.length;
      ctx.fillStyle = color;
      hist.counts.forEach((c, i) => {
        const bh = (c / max) * (h - 14);
        ctx.fillRect(x + i * bar, y + h - 12 - bh, Math.max(1, bar - 1), bh);
      });
      ctx.fillStyle = MUTED;
      ctx.textBaseline = "top";
      ctx.textAlign = "left";
      ctx.fillText(format(hist.low), x, y + h - 11);
      ctx.textAlign = "right";
      ctx.fillText(format(hist.high), x + w, y + h - 11);
    };
    for (let l = 0; l < rows; l++) {
      const y = l * rowH;
      ctx.fillStyle = INK;
      ctx.textAlign = "left";
      ctx.textBaseline = "top";
      ctx.fillText(`layer ${l + 1}`, 2, y + 1);
      drawOne(weights[l], 52, y + 2, half - 62, rowH - 2, `rgb(${CLASS1.join(",")})`);
      drawOne(activations[l], half + 10, y + 2, half - 14, rowH - 2, `rgb(${CLASS0.join(",")})`);
    }
  }

  // A 64 x 64 x 3 image from base64 RGB bytes.
  function image(canvas, rgbBase64, size) {
    const bytes = atob(rgbBase64);
    canvas.width = size; canvas.height = size;
    const ctx = canvas.getContext("2d");
    const data = ctx.createImageData(size, size);
    for (let i = 0, j = 0; i < size * size; i++, j += 3) {
      data.data[4 * i] = bytes.charCodeAt(j);
      data.data[4 * i + 1] = bytes.charCodeAt(j + 1);
      data.data[4 * i + 2] = bytes.charCodeAt(j + 2);
      data.data[4 * i + 3] = 255;
    }
    ctx.putImageData(data, 0, 0);
  }

  function decode(base64) {
    const text = atob(base64);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }

  return { lines, boundary, logBars, histograms, image, decode, format };
})();

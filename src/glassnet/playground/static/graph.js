// The network drawn as a graph: one column per layer, every neuron a small heat map of its
// output over the input plane, every weight an edge coloured by its sign and thickened by its
// size. In the gradient view the edges are dW[l] and the neurons are shaded by mean |dZ[l]|.
"use strict";

const Graph = (() => {
  const NEG = [224, 138, 30];   // negative: orange
  const POS = [47, 109, 181];   // positive: blue
  const FONT = "11px system-ui, sans-serif";

  // byte 0..255 -> orange (0), white (127.5), blue (255)
  function shade(byte) {
    const t = byte / 255 * 2 - 1, c = t < 0 ? NEG : POS, s = Math.abs(t);
    return [255 + (c[0] - 255) * s, 255 + (c[1] - 255) * s, 255 + (c[2] - 255) * s];
  }

  function heatCanvas(map, n) {
    const bytes = Charts.decode(map.map);
    const tile = document.createElement("canvas");
    tile.width = n; tile.height = n;
    const ctx = tile.getContext("2d"), image = ctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      const [r, g, b] = shade(bytes[i]);
      image.data[4 * i] = r; image.data[4 * i + 1] = g; image.data[4 * i + 2] = b; image.data[4 * i + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    return tile;
  }

  // Where every neuron sits: layout[l][i] = {x, y, size}; layer 0 is the input features.
  function layout(canvas, sizes) {
    const W = canvas.width, H = canvas.height, top = 26, bottom = 8;
    const most = Math.max(...sizes);
    const size = Math.max(10, Math.min(34, (H - top - bottom) / most - 6));
    const gap = (W - 70 - size) / Math.max(1, sizes.length - 1);
    return sizes.map((n, l) => {
      const column = [], span = n * (size + 6) - 6, y0 = top + (H - top - bottom - span) / 2;
      for (let i = 0; i < n; i++) column.push({ x: 52 + l * gap, y: y0 + i * (size + 6), size });
      return column;
    });
  }

  // state = {info, graph, view: "weights" | "gradients", highlight: layer or null}
  function draw(canvas, state) {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = FONT;
    const { info, graph } = state;
    if (!graph) {
      ctx.fillStyle = "#5c6773"; ctx.textAlign = "center";
      ctx.fillText(info && !info.graph ? "the graph is drawn for layers of at most 16 units and 2-D data" : "waiting for the network", canvas.width / 2, canvas.height / 2);
      canvas.dataset.drawn = "nothing";  // what the canvas shows now, never a stale view
      return { edges: [], neurons: [] };
    }
    const sizes = info.sizes, spots = layout(canvas, sizes), n = info.neuron_grid;
    const gradients = state.view === "gradients";
    const matrices = gradients ? graph.dW : graph.W;
    let most = 1e-12;
    for (const M of matrices) for (const row of M) for (const v of row) if (v !== null) most = Math.max(most, Math.abs(v));
    const edges = [];
    matrices.forEach((M, l) => {
      M.forEach((row, i) => row.forEach((v, j) => {
        const a = spots[l][j], b = spots[l + 1][i];
        const x0 = a.x + a.size, y0 = a.y + a.size / 2, x1 = b.x, y1 = b.y + b.size / 2;
        const value = v === null ? 0 : v, c = value < 0 ? NEG : POS;
        ctx.strokeStyle = `rgba(${c[0]},${c[1]},${c[2]},${0.25 + 0.75 * Math.min(1, Math.abs(value) / most)})`;
        ctx.lineWidth = 0.4 + 4.6 * Math.min(1, Math.abs(value) / most);
        ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
        edges.push({ layer: l + 1, row: i, col: j, value, x0, y0, x1, y1 });
      }));
    });
    ctx.lineWidth = 1;
    let dzMost = 1e-12, dzLeast = Infinity;
    for (const layer of graph.dZ) for (const v of layer) if (v) { dzMost = Math.max(dzMost, v); dzLeast = Math.min(dzLeast, v); }
    const neurons = [];
    spots.forEach((column, l) => column.forEach((spot, i) => {
      const map = l === 0 ? info.feature_maps[i] : graph.neurons[l - 1][i];
      if (gradients && l > 0) {  // mean |dZ| on a log scale over the whole network
        const v = graph.dZ[l - 1][i] || dzLeast;
        const span = Math.log10(dzMost) - Math.log10(dzLeast) || 1;
        const t = (Math.log10(v) - Math.log10(dzLeast)) / span;
        ctx.fillStyle = `rgb(${255 - 200 * t},${255 - 120 * t},${255 - 40 * t})`;
        ctx.fillRect(spot.x, spot.y, spot.size, spot.size);
      } else {
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(heatCanvas(map, n), spot.x, spot.y, spot.size, spot.size);
      }
      const lit = state.highlight !== null && state.highlight !== undefined && state.highlight === l;
      ctx.strokeStyle = lit ? "#b3261e" : "#1d232b";
      ctx.lineWidth = lit ? 2.5 : 1;
      ctx.strokeRect(spot.x, spot.y, spot.size, spot.size);
      ctx.lineWidth = 1;
      neurons.push({ layer: l, unit: i, map, ...spot });
    }));
    ctx.fillStyle = "#1d232b"; ctx.textAlign = "center"; ctx.textBaseline = "top";
    spots.forEach((column, l) => {
      const label = l === 0 ? "inputs" : l === sizes.length - 1 ? "output" : `layer ${l}`;
      ctx.fillText(label, column[0].x + column[0].size / 2, 4);
    });
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    spots[0].forEach((spot, i) => ctx.fillText(info.features[i].replace("_", " "), spot.x - 4, spot.y + spot.size / 2));
    canvas.dataset.drawn = gradients ? "gradients" : "weights";
    return { edges, neurons };
  }

  // The edge nearest to (x, y), within 5 pixels.
  function edgeAt(edges, x, y) {
    let best = null, bestDistance = 5;
    for (const e of edges) {
      const dx = e.x1 - e.x0, dy = e.y1 - e.y0;
      const t = Math.max(0, Math.min(1, ((x - e.x0) * dx + (y - e.y0) * dy) / (dx * dx + dy * dy)));
      const d = Math.hypot(x - (e.x0 + t * dx), y - (e.y0 + t * dy));
      if (d < bestDistance) { best = e; bestDistance = d; }
    }
    return best;
  }

  function neuronAt(neurons, x, y) {
    return neurons.find((s) => x >= s.x && x <= s.x + s.size && y >= s.y && y <= s.y + s.size) || null;
  }

  return { draw, edgeAt, neuronAt, heatCanvas };
})();

// The playground page: sends the controls' values to the server, draws what it sends back.
"use strict";

const MAX_CURVE_POINTS = 4000;  // older points are thinned out, never the newest

const page = {
  socket: null,
  info: null,        // the last "configured" message
  state: "connecting",
  curve: { x: [], train: [], val: [], stride: 1, next: 0, run: -1 },
  hello: null,
  last: null,        // the last "update"
  drawn: { edges: [], neurons: [] },
  trace: null, stage: 0,
  fromLink: null,    // settings read from the address, sent once the session is open
};
const VIEW_DEFAULTS = { view: "weights", show_test: true, discretize: false };

const $ = (id) => document.getElementById(id);
const form = () => $("settings");

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws`);
  page.socket = socket;
  socket.onmessage = (event) => receive(JSON.parse(event.data));
  socket.onclose = (event) => {
    setState("disconnected");
    const refused = document.querySelector('[data-error="session"]').textContent;
    const limit = page.hello ? page.hello.limits.max_message_bytes.toLocaleString() : "16,384";
    const reason = event.code === 1009
      ? `The page sent a message far over the limit of ${limit} bytes and the server closed the connection; reload this page.`
      : event.code === 1008
        ? "The server refused this page: open the playground by its own address (127.0.0.1 and the port it printed)."
        : "The connection to the playground server is closed. Restart `glassnet playground` and reload this page.";
    showMessage(refused || reason);
  };
}

function send(message) {
  if (page.socket && page.socket.readyState === WebSocket.OPEN) page.socket.send(JSON.stringify(message));
}

function receive(message) {
  if (message.type === "hello") hello(message);
  else if (message.type === "configured") configured(message);
  else if (message.type === "update") update(message);
  else if (message.type === "trace") showTrace(message);
  else if (message.type === "error") showError(message.field, message.message);
}

// ---- controls -----------------------------------------------------------------------------

function hello(message) {
  page.hello = message;
  for (const [name, options] of Object.entries(message.choices)) {
    const select = form().elements[name];
    if (!select || select.tagName !== "SELECT") continue;
    select.replaceChildren(...options.map((o) => new Option(o.replace("_", " "), o)));
  }
  $("features").replaceChildren(...message.choices.features.map((f) => {
    const label = document.createElement("label");
    label.className = "check";
    const box = document.createElement("input");
    box.type = "checkbox"; box.name = "features"; box.value = f; box.id = `feature-${f}`;
    label.append(box, f.replace("_", " "));
    return label;
  }));
  page.fromLink = readLink();
  const box = $("presets");
  box.replaceChildren(...message.presets.map((p) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = p.title;
    button.dataset.preset = p.name;
    button.title = p.look_for;
    button.addEventListener("click", () => send({ type: "preset", name: p.name }));
    return button;
  }));
}

function readSettings() {
  const settings = {};
  settings.features = [];
  for (const element of form().elements) {
    if (!element.name) continue;
    if (element.name === "features") { if (element.checked) settings.features.push(element.value); }
    else if (element.type === "checkbox") settings[element.name] = element.checked;
    else if (element.name === "hidden" || element.name === "dataset" || element.tagName === "SELECT") settings[element.name] = element.value;
    else if (element.name === "batch_size") {
      const text = element.value.trim().toLowerCase();
      settings.batch_size = text === "full" || text === "" ? "full" : numberOrText(text);
    } else settings[element.name] = numberOrText(element.value);
  }
  return settings;
}

// A number where the text is one, else the text itself, so the server names the problem.
function numberOrText(text) {
  const value = Number(text);
  return text.trim() !== "" && Number.isFinite(value) ? value : text;
}

function writeSettings(settings) {
  for (const [name, value] of Object.entries(settings)) {
    if (name === "features") {
      document.querySelectorAll('input[name="features"]').forEach((box) => { box.checked = value.includes(box.value); });
      continue;
    }
    const element = form().elements[name];
    if (!element) continue;
    if (element.type === "checkbox") element.checked = value;
    else if (name === "hidden") element.value = value.join(", ");
    else if (name === "batch_size") element.value = value === null ? "full" : value;
    else element.value = value;
  }
  showRelevantControls(settings);
}

function showRelevantControls(settings) {
  const cats = settings.dataset === "cats";
  document.querySelectorAll(".two-d").forEach((e) => { e.hidden = cats; });
  document.querySelectorAll(".cats").forEach((e) => { e.hidden = !cats; });
  document.querySelectorAll(".normal-only").forEach((e) => { e.hidden = settings.init !== "normal"; });
  document.querySelectorAll(".momentum-only").forEach((e) => { e.hidden = !["momentum", "nesterov"].includes(settings.optimizer); });
}

function clearErrors() {
  document.querySelectorAll("[data-error]").forEach((e) => { e.textContent = ""; });
  document.querySelectorAll(".invalid").forEach((e) => e.classList.remove("invalid"));
}

function showError(field, text) {
  const slot = document.querySelector(`[data-error="${CSS.escape(field)}"]`) || document.querySelector('[data-error="settings"]');
  slot.textContent = text;
  const control = form().elements[field];
  if (control && control.classList) control.classList.add("invalid");
}

function showMessage(text) {
  $("message").textContent = text;
  $("message").hidden = !text;
}

// ---- what the server sends -----------------------------------------------------------------

function configured(message) {
  if (page.fromLink) {  // a shared link: its settings replace the default session's
    const settings = page.fromLink;
    page.fromLink = null;
    if (Object.keys(settings).length) { send({ type: "configure", settings }); }
  }
  page.info = message;
  page.last = null;
  page.trace = null;
  $("trace-panel").hidden = true;
  clearErrors();
  writeSettings(message.settings);
  resetCurve(message.run_id);
  for (const id of ["train-cost", "val-cost", "train-accuracy", "val-accuracy", "speed"]) $(id).textContent = "-";
  $("epoch").textContent = "0";
  $("iteration").textContent = "0";
  const sizes = message.sizes.join(" - ");
  writeLink(message.settings);
  $("network-size").textContent = `network ${sizes} (${message.settings.activation} hidden, ${message.output} output): ` +
    `${message.n_parameters.toLocaleString()} parameters; ` +
    `${message.n_train} training and ${message.n_val} validation samples, batches of ${message.batch_size}`;
  if (message.preset) $("look-for").textContent = `${message.preset.title}: ${message.preset.look_for}`;
  const twoD = Boolean(message.points);
  $("boundary").hidden = !twoD;
  $("tiles").hidden = twoD;
  $("main-caption").textContent = twoD
    ? "Decision boundary: P(y = 1 | x) on a grid, training points filled, validation points ringed"
    : "Validation images: the predicted label and P(cat); green where right, red where wrong";
  if (!twoD) buildTiles(message.tiles);
  drawGraph();
}

function update(message) {
  if (!page.info || message.run_id !== page.info.run_id) return;
  setState(message.state);
  showMessage(message.message);
  $("epoch").textContent = message.epoch;
  $("iteration").textContent = message.iteration;
  $("train-cost").textContent = fixed(message.train_cost, 4);
  $("val-cost").textContent = fixed(message.val_cost, 4);
  $("train-accuracy").textContent = fixed(message.train_accuracy, 3);
  $("val-accuracy").textContent = fixed(message.val_accuracy, 3);
  $("speed").textContent = message.samples_per_second ? Math.round(message.samples_per_second).toLocaleString() : "-";
  addCurve(message.curve);
  Charts.lines($("cost"), [
    { x: page.curve.x, y: page.curve.train, color: "rgb(47,109,181)" },
    { x: page.curve.x, y: page.curve.val, color: "rgb(224,138,30)" },
  ], { xLabel: "epoch", empty: "press Start or Step" });
  page.last = message;
  drawBoundary();
  drawGraph();
  if (message.tiles) updateTiles(message.tiles);
  Charts.logBars($("gradients"), message.gradient_norms, message.gradient_norms.map((_, i) => `dW[${i + 1}]`));
  Charts.histograms($("histograms"), message.weights, message.activations);
}

function drawBoundary() {
  const message = page.last, info = page.info;
  if (!message || !message.boundary) return;
  Charts.boundary($("boundary"), Charts.decode(message.boundary), info.grid, info.bounds, info.points, {
    regression: info.task === "regression", discretize: $("discretize").checked, showTest: $("show_test").checked,
  });
}

// ---- the graph ----------------------------------------------------------------------------------

function drawGraph() {
  const stage = page.trace ? page.trace.stages[page.stage] : null;
  const highlight = stage ? (stage.phase === "update" ? null : stage.layer) : null;
  page.drawn = Graph.draw($("graph"), {
    info: page.info, graph: page.last && page.last.graph, view: $("view").value, highlight,
  });
  $("graph-caption").textContent = $("view").value === "gradients"
    ? "The gradients: edges dW[l] on up to 256 training rows (blue positive, orange negative, thicker for larger |dW|, one scale for all layers), neurons shaded by mean |dZ[l]| (log scale): watch them fade towards the input"
    : "The network: each neuron's output over the input plane; edges W[l], blue positive, orange negative, thicker for larger |w| (click an edge to edit its weight)";
}

function graphPoint(event) {
  const canvas = $("graph"), box = canvas.getBoundingClientRect();
  return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
}

function editEdge(event) {
  const [x, y] = graphPoint(event);
  const edge = Graph.edgeAt(page.drawn.edges, x, y);
  if (!edge || $("view").value !== "weights") return;
  const text = prompt(`W[${edge.layer}][${edge.row + 1}, ${edge.col + 1}] (unit ${edge.row + 1} of layer ${edge.layer} from unit ${edge.col + 1} below)`, edge.value);
  if (text === null || text.trim() === "") return;
  send({ type: "set_weight", layer: edge.layer, row: edge.row, col: edge.col, value: numberOrText(text) });
}

function zoomNeuron(event) {
  const [x, y] = graphPoint(event);
  const zoom = $("zoom"), neuron = Graph.neuronAt(page.drawn.neurons, x, y);
  if (!neuron || $("view").value !== "weights") { zoom.hidden = true; return; }
  const ctx = zoom.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(Graph.heatCanvas(neuron.map, page.info.neuron_grid), 0, 0, zoom.width, zoom.height);
  zoom.style.left = `${Math.min(neuron.x + neuron.size + 8, $("graph").width - zoom.width)}px`;
  zoom.style.top = `${Math.max(0, neuron.y - 40)}px`;
  zoom.hidden = false;
}

// ---- step through one batch ------------------------------------------------------------------

function showTrace(message) {
  page.trace = message;
  page.stage = 0;
  $("trace-panel").hidden = false;
  showStage();
}

function showStage() {
  const stages = page.trace.stages;
  if (!stages.length) return;
  const stage = stages[page.stage];
  const name = { forward: "forward", cost: "cost and output error", backward: "backward", update: "update" }[stage.phase];
  $("trace-stage").textContent = `stage ${page.stage + 1} of ${stages.length}: ${name}` +
    (stage.phase === "update" ? "" : `, layer ${stage.layer}`) + ` (batch of ${page.trace.batch}, first rows shown)`;
  $("trace-formula").textContent = stage.formula.join("\n") + (stage.J !== undefined ? `\nJ = ${stage.J.toPrecision(5)}` : "");
  $("trace-values").replaceChildren(...Object.entries(stage.values).map(([label, rows]) => {
    const table = document.createElement("table");
    table.createCaption().textContent = label;
    for (const row of rows) {
      const tr = table.insertRow();
      for (const v of row) tr.insertCell().textContent = v === null ? "nan" : Charts.format(v);
    }
    return table;
  }));
  $("trace-prev").disabled = page.stage === 0;
  $("trace-next").disabled = page.stage === stages.length - 1;
  drawGraph();
}

// ---- the whole state in the address: #dataset=spiral&hidden=8,8&...&view=gradients --------------

function readLink() {
  const params = new URLSearchParams(location.hash.slice(1));
  const defaults = page.hello.defaults, settings = {};
  for (const [name, text] of params) {
    if (name in VIEW_DEFAULTS) {
      const element = $(name);
      if (element.type === "checkbox") element.checked = text === "1" || text === "true";
      else element.value = text;
      continue;
    }
    const example = defaults[name];
    if (Array.isArray(example)) settings[name] = text === "" ? [] : text.split(",").map((p) => name === "hidden" ? numberOrText(p) : p);
    else if (typeof example === "boolean") settings[name] = text === "1" || text === "true";
    else if (name === "batch_size") settings[name] = text === "full" ? "full" : numberOrText(text);
    else if (typeof example === "number") settings[name] = numberOrText(text);
    else settings[name] = text;  // an unknown name too: the server names it
  }
  return settings;
}

function writeLink(settings) {
  const defaults = page.hello ? page.hello.defaults : {}, params = new URLSearchParams();
  for (const [name, value] of Object.entries(settings)) {
    if (JSON.stringify(value) === JSON.stringify(defaults[name])) continue;
    if (Array.isArray(value)) params.set(name, value.join(","));
    else if (typeof value === "boolean") params.set(name, value ? "1" : "0");
    else params.set(name, value === null ? "full" : String(value));
  }
  for (const [name, fallback] of Object.entries(VIEW_DEFAULTS)) {
    const element = $(name), value = element.type === "checkbox" ? element.checked : element.value;
    if (value !== fallback) params.set(name, typeof value === "boolean" ? (value ? "1" : "0") : value);
  }
  const hash = params.toString().replace(/%2C/g, ",").replace(/%5E/g, "^");
  history.replaceState(null, "", hash ? `#${hash}` : location.pathname);
}

function fixed(value, digits) {
  return value === null || value === undefined ? "-" : value.toFixed(digits);
}

function setState(state) {
  page.state = state;
  $("state").textContent = state;
  const running = state === "running";
  $("start").textContent = running ? "Pause" : "Start";
  $("start").classList.toggle("primary", !running);
  $("step").disabled = running;
}

// ---- the cost curve, kept to at most MAX_CURVE_POINTS points ------------------------------

function resetCurve(run) {
  page.curve = { x: [], train: [], val: [], stride: 1, next: 0, run };
}

function addCurve(piece) {
  const c = page.curve;
  if (!piece || piece.start < c.next) return;  // a piece already seen
  piece.train.forEach((value, i) => {
    const epoch = piece.start + i + 1;
    if (epoch % c.stride === 0) {
      c.x.push(epoch); c.train.push(value); c.val.push(piece.val[i]);
    }
  });
  c.next = piece.start + piece.train.length;
  if (c.x.length > MAX_CURVE_POINTS) {
    c.stride *= 2;
    const keep = (_, i) => c.x[i] % c.stride === 0;
    c.train = c.train.filter(keep); c.val = c.val.filter(keep); c.x = c.x.filter((e) => e % c.stride === 0);
  }
}

// ---- cat images ------------------------------------------------------------------------------

function buildTiles(tiles) {
  $("tiles").replaceChildren(...tiles.map((tile) => {
    const figure = document.createElement("figure");
    const canvas = document.createElement("canvas");
    Charts.image(canvas, tile.rgb, 64);
    const caption = document.createElement("figcaption");
    caption.textContent = tile.label ? "cat" : "not cat";
    figure.append(canvas, caption);
    return figure;
  }));
}

function updateTiles(probabilities) {
  const figures = $("tiles").querySelectorAll("figure");
  probabilities.forEach((p, i) => {
    const tile = page.info.tiles[i];
    const caption = figures[i].querySelector("figcaption");
    const predicted = p !== null && p > 0.5 ? 1 : 0;
    caption.textContent = `${predicted ? "cat" : "not cat"} (P(cat) = ${fixed(p, 2)})`;
    caption.className = predicted === tile.label ? "right" : "wrong";
  });
}

// ---- wiring --------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  form().addEventListener("change", () => {
    showRelevantControls(readSettings());
    send({ type: "configure", settings: readSettings() });
  });
  form().addEventListener("submit", (event) => event.preventDefault());
  $("start").addEventListener("click", () => send({ type: page.state === "running" ? "pause" : "start" }));
  $("step").addEventListener("click", () => send({ type: "step" }));
  $("reset").addEventListener("click", () => send({ type: "reset" }));
  $("trace").addEventListener("click", () => send({ type: "trace" }));
  $("share").addEventListener("click", () => {
    if (navigator.clipboard) navigator.clipboard.writeText(location.href).catch(() => {});
    showMessage(`Link to this experiment: ${location.href}`);
  });
  $("trace-prev").addEventListener("click", () => { page.stage -= 1; showStage(); });
  $("trace-next").addEventListener("click", () => { page.stage += 1; showStage(); });
  for (const id of ["view", "show_test", "discretize"]) {
    $(id).addEventListener("change", () => {
      drawBoundary(); drawGraph();
      if (page.info) writeLink(page.info.settings);
    });
  }
  $("graph").addEventListener("click", editEdge);
  $("graph").addEventListener("mousemove", zoomNeuron);
  $("graph").addEventListener("mouseleave", () => { $("zoom").hidden = true; });
  connect();
});

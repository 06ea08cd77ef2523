// The playground page: sends the controls' values to the server, draws what it sends back.
"use strict";

const MAX_CURVE_POINTS = 4000;  // older points are thinned out, never the newest

const page = {
  socket: null,
  info: null,        // the last "configured" message
  state: "connecting",
  curve: { x: [], train: [], val: [], stride: 1, next: 0, run: -1 },
};

const $ = (id) => document.getElementById(id);
const form = () => $("settings");

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws`);
  page.socket = socket;
  socket.onmessage = (event) => receive(JSON.parse(event.data));
  socket.onclose = () => {
    setState("disconnected");
    const refused = document.querySelector('[data-error="session"]').textContent;
    showMessage(refused || "The connection to the playground server is closed. Restart `glassnet playground` and reload this page.");
  };
}

function send(message) {
  if (page.socket && page.socket.readyState === WebSocket.OPEN) page.socket.send(JSON.stringify(message));
}

function receive(message) {
  if (message.type === "hello") hello(message);
  else if (message.type === "configured") configured(message);
  else if (message.type === "update") update(message);
  else if (message.type === "error") showError(message.field, message.message);
}

// ---- controls -----------------------------------------------------------------------------

function hello(message) {
  for (const [name, options] of Object.entries(message.choices)) {
    const select = form().elements[name];
    select.replaceChildren(...options.map((o) => new Option(o.replace("_", " "), o)));
  }
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
  for (const element of form().elements) {
    if (!element.name) continue;
    if (element.type === "checkbox") settings[element.name] = element.checked;
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
  document.querySelectorAll(".momentum-only").forEach((e) => { e.hidden = settings.optimizer !== "momentum"; });
}

function clearErrors() {
  document.querySelectorAll("[data-error]").forEach((e) => { e.textContent = ""; });
  document.querySelectorAll(".invalid").forEach((e) => e.classList.remove("invalid"));
}

function showError(field, text) {
  const slot = document.querySelector(`[data-error="${CSS.escape(field)}"]`) || document.querySelector('[data-error="settings"]');
  slot.textContent = text;
  const control = form().elements[field];
  if (control) control.classList.add("invalid");
}

function showMessage(text) {
  $("message").textContent = text;
  $("message").hidden = !text;
}

// ---- what the server sends -----------------------------------------------------------------

function configured(message) {
  page.info = message;
  clearErrors();
  writeSettings(message.settings);
  resetCurve(message.run_id);
  for (const id of ["train-cost", "val-cost", "train-accuracy", "val-accuracy", "speed"]) $(id).textContent = "-";
  $("epoch").textContent = "0";
  $("iteration").textContent = "0";
  const sizes = message.sizes.join(" - ");
  $("network-size").textContent = `network ${sizes} (${message.settings.activation} hidden, sigmoid output): ` +
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
  if (message.boundary) {
    const info = page.info;
    Charts.boundary($("boundary"), Charts.decode(message.boundary), info.grid, info.bounds, info.points);
  }
  if (message.tiles) updateTiles(message.tiles);
  Charts.logBars($("gradients"), message.gradient_norms, message.gradient_norms.map((_, i) => `dW[${i + 1}]`));
  Charts.histograms($("histograms"), message.weights, message.activations);
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
  connect();
});

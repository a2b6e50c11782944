/*
 * Train it yourself: chapter 1's circles network, trained in the page.
 *
 * 2 → Dense(width) → act → Dense(bottleneck) → act → Dense(2); softmax cross-entropy, the
 * mean over each mini-batch; torch.optim.Adam's update (bias-corrected moments, eps after the
 * square root); float64. The data file (described in figures_src/chapters/circles_live.py)
 * holds the build's points, start weights, order of points per epoch and settings, so this
 * page repeats the build's training. Other widths or activations start from new weights drawn
 * as torch's nn.Linear draws them, uniform in ±1/√fan_in, from a seeded generator
 * (mulberry32, seed from the settings and the start number k, which "New start" counts up):
 * a reset gives the same start again. After the build's last epoch the page shuffles the
 * points itself, with the same generator. The status line is not a live region (it would speak
 * every epoch while playing); a hidden one repeats it after a step, a pause or a new start.
 * Every word shown comes from the page's strings block.
 */

import { fill } from "./dom.js";

// ---- The network and its training (pure functions; the tests call them too) ----

export function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A network from weights given as in the data file: W1 b1 W2 b2 W3 b3, rows per unit. */
export function fromWeights(w, activation) {
  const W = [w.W1, w.W2, w.W3].map((rows) => Float64Array.from(rows.flat()));
  const b = [w.b1, w.b2, w.b3].map((v) => Float64Array.from(v));
  const sizes = [2, w.b1.length, w.b2.length, 2];
  return { sizes, activation, W, b };
}

/** New weights, uniform in ±1/√fan_in as torch's nn.Linear draws them, from a seed. */
export function randomNet(width, bottleneck, activation, seed) {
  const random = mulberry32(seed);
  const sizes = [2, width, bottleneck, 2];
  const W = [];
  const b = [];
  for (let l = 0; l < 3; l++) {
    const bound = 1 / Math.sqrt(sizes[l]);
    const draw = () => (2 * random() - 1) * bound;
    W.push(Float64Array.from({ length: sizes[l + 1] * sizes[l] }, draw));
    b.push(Float64Array.from({ length: sizes[l + 1] }, draw));
  }
  return { sizes, activation, W, b };
}

/** The seed of start k (k = 0, 1, ...; "New start" counts up) for these settings. */
export function startSeed(width, bottleneck, activation, k) {
  return width * 100 + bottleneck * 10 + (activation === "tanh") + 100000 * k;
}

const act = {
  relu: (z) => (z > 0 ? z : 0),
  tanh: Math.tanh,
};
// The derivative, from the activation's output a (torch: ReLU passes the gradient where a > 0).
const slope = {
  relu: (a) => (a > 0 ? 1 : 0),
  tanh: (a) => 1 - a * a,
};

/** The layers' outputs for one point: [input, hidden 1, hidden 2, logits]. */
export function forward(net, x0, x1) {
  const f = act[net.activation];
  const out = [Float64Array.of(x0, x1)];
  for (let l = 0; l < 3; l++) {
    const n = net.sizes[l];
    const m = net.sizes[l + 1];
    const input = out[l];
    const z = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let s = net.b[l][i];
      for (let j = 0; j < n; j++) s += net.W[l][i * n + j] * input[j];
      z[i] = l < 2 ? f(s) : s;
    }
    out.push(z);
  }
  return out;
}

/** Softmax cross-entropy of two logits for class y, and P(class 1). */
function crossEntropy(z, y) {
  const top = Math.max(z[0], z[1]);
  const logSum = top + Math.log(Math.exp(z[0] - top) + Math.exp(z[1] - top));
  return { loss: logSum - z[y], p1: Math.exp(z[1] - logSum) };
}

/** P(inner ring) for every point of X ([[x0, x1], ...]). */
export function probabilities(net, X) {
  return X.map(([x0, x1]) => crossEntropy(forward(net, x0, x1)[3], 1).p1);
}

/** Mean loss and accuracy on all points. */
export function evaluate(net, X, y) {
  let loss = 0;
  let right = 0;
  X.forEach(([x0, x1], k) => {
    const z = forward(net, x0, x1)[3];
    loss += crossEntropy(z, y[k]).loss;
    right += (z[1] > z[0] ? 1 : 0) === y[k] ? 1 : 0; // argmax picks the first on a tie
  });
  return { loss: loss / X.length, accuracy: right / X.length };
}

export function adam(net, { beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = {}) {
  const zeros = (arrays) => arrays.map((a) => new Float64Array(a.length));
  return { beta1, beta2, eps, t: 0, m: zeros([...net.W, ...net.b]), v: zeros([...net.W, ...net.b]) };
}

/** One mini-batch (indices into X): gradients of the batch's mean loss, then Adam's step. */
export function trainBatch(net, opt, X, y, batch, lr) {
  const params = [...net.W, ...net.b];
  const grads = params.map((p) => new Float64Array(p.length));
  const gW = grads.slice(0, 3);
  const gb = grads.slice(3);
  const d = slope[net.activation];
  let total = 0;
  for (const k of batch) {
    const out = forward(net, X[k][0], X[k][1]);
    const { loss, p1 } = crossEntropy(out[3], y[k]);
    total += loss;
    let delta = Float64Array.of(1 - p1 - (y[k] === 0 ? 1 : 0), p1 - (y[k] === 1 ? 1 : 0));
    for (let l = 2; l >= 0; l--) {
      const n = net.sizes[l];
      const m = net.sizes[l + 1];
      const input = out[l];
      for (let i = 0; i < m; i++) {
        gb[l][i] += delta[i] / batch.length;
        for (let j = 0; j < n; j++) gW[l][i * n + j] += (delta[i] * input[j]) / batch.length;
      }
      if (l === 0) break;
      const back = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += net.W[l][i * n + j] * delta[i];
        back[j] = s * d(input[j]);
      }
      delta = back;
    }
  }
  opt.t += 1;
  const c1 = 1 - opt.beta1 ** opt.t;
  const c2 = Math.sqrt(1 - opt.beta2 ** opt.t);
  params.forEach((p, q) => {
    const g = grads[q];
    const m = opt.m[q];
    const v = opt.v[q];
    for (let i = 0; i < p.length; i++) {
      m[i] = opt.beta1 * m[i] + (1 - opt.beta1) * g[i];
      v[i] = opt.beta2 * v[i] + (1 - opt.beta2) * g[i] * g[i];
      p[i] -= ((lr / c1) * m[i]) / (Math.sqrt(v[i]) / c2 + opt.eps);
    }
  });
  return total / batch.length;
}

/** One epoch: the points in ``order``, in consecutive mini-batches of ``batchSize``. */
export function trainEpoch(net, opt, X, y, order, batchSize, lr) {
  for (let start = 0; start < order.length; start += batchSize) {
    trainBatch(net, opt, X, y, order.slice(start, start + batchSize), lr);
  }
}

/** The build's order of the points in each epoch (from the file's base64 uint16 data). */
export function decodeOrders(text, n) {
  const bytes = new DataView(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer);
  const epochs = bytes.byteLength / (2 * n);
  return Array.from({ length: epochs }, (_, e) => Array.from({ length: n }, (_, i) => bytes.getUint16(2 * (e * n + i), true)));
}

/** The order of epoch ``epoch`` (1, 2, ...): the build's, then a seeded shuffle. */
export function epochOrder(orders, epoch, n) {
  if (epoch <= orders.length) return orders[epoch - 1];
  const random = mulberry32(epoch);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

// ---- Drawing ----

const INK = "#222222";
const CLASS = ["#0072B2", "#E69F00"];
const STOPS = [[0xc3, 0xdb, 0xee], [0xff, 0xff, 0xff], [0xf8, 0xe0, 0xae]]; // #c3dbee, white, #f8e0ae
const EXTENT = 1.5;
const GRID = 101;
const FONT = "12px sans-serif";
const STUCK = 10; // epochs with the loss within 0.002 of ln 2 before the page says so

// One pale colour per tenth of P(inner ring), as the figure's colour bar.
const BANDS = Array.from({ length: 10 }, (_, band) => {
  const t = (band / 9) * 2;
  const [a, b] = t <= 1 ? [STOPS[0], STOPS[1]] : [STOPS[1], STOPS[2]];
  const u = t <= 1 ? t : t - 1;
  return a.map((c, i) => Math.round(c + (b[i] - c) * u));
});

function niceTicks(lo, hi) {
  const raw = (hi - lo) / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((s) => s * power).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) ticks.push(+t.toFixed(6));
  return ticks;
}

/** The 0.5 line of values on a GRID × GRID lattice, as segments in lattice coordinates. */
function contour(values) {
  const segments = [];
  const at = (i, j) => values[j * GRID + i] - 0.5;
  for (let j = 0; j < GRID - 1; j++) {
    for (let i = 0; i < GRID - 1; i++) {
      const corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
      const v = corners.map(([a, b]) => at(a, b));
      const cross = [];
      for (let e = 0; e < 4; e++) {
        const [a, b, f] = [corners[e], corners[(e + 1) % 4], (e + 1) % 4];
        const t = v[e] / (v[e] - v[f]);
        if (v[e] > 0 !== v[f] > 0) cross.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
      }
      if (cross.length === 2) segments.push(cross);
      if (cross.length === 4) {
        // A saddle: when the centre is on corner 0's side, corners 1 and 3 are cut off.
        const [c0, c1, c2, c3] = cross;
        const joined = v.reduce((t, x) => t + x, 0) > 0 === v[0] > 0;
        segments.push(...(joined ? [[c0, c1], [c2, c3]] : [[c3, c0], [c1, c2]]));
      }
    }
  }
  return segments;
}

function setUpCanvas(canvas, size) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = canvas.height = Math.round(size * ratio);
  canvas.style.width = canvas.style.height = size + "px";
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.fillStyle = "#fff";
  g.fillRect(0, 0, size, size);
  g.font = FONT;
  return g;
}

function dot(g, x, v, c) {
  g.fillStyle = CLASS[c];
  g.beginPath();
  g.arc(x, v, 1.7, 0, 2 * Math.PI);
  g.fill();
}

function drawDots(g, points, y, toX, toY) {
  for (const c of [0, 1]) points.forEach((p, k) => y[k] === c && dot(g, toX(p), toY(p), c));
}

function frame(g, box, xTicks, yTicks, toX, toY, labels) {
  const [left, top, size] = box;
  g.strokeStyle = "#8a8a8a";
  g.lineWidth = 1;
  g.strokeRect(left, top, size, size);
  g.fillStyle = INK;
  g.textAlign = "center";
  g.textBaseline = "top";
  xTicks.forEach((t) => g.fillText(String(t), toX(t), top + size + 3));
  g.fillText(labels[0], left + size / 2, top + size + 18);
  g.textAlign = "right";
  g.textBaseline = "middle";
  yTicks.forEach((t) => g.fillText(String(t), left - 4, toY(t)));
  g.save();
  g.translate(11, top + size / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = "center";
  g.fillText(labels[1], 0, 0);
  g.restore();
}

function drawInput(canvas, size, net, X, y, s) {
  const g = setUpCanvas(canvas, size);
  const box = [44, 8, size - 58];
  const toX = (x) => box[0] + ((x + EXTENT) / (2 * EXTENT)) * box[2];
  const toY = (v) => box[1] + box[2] - ((v + EXTENT) / (2 * EXTENT)) * box[2];
  const values = new Float64Array(GRID * GRID);
  const image = new ImageData(GRID, GRID);
  for (let j = 0; j < GRID; j++) {
    for (let i = 0; i < GRID; i++) {
      const x = -EXTENT + (2 * EXTENT * i) / (GRID - 1);
      const v = -EXTENT + (2 * EXTENT * j) / (GRID - 1);
      const p = crossEntropy(forward(net, x, v)[3], 1).p1;
      values[j * GRID + i] = p;
      const colour = BANDS[Math.min(9, Math.floor(p * 10))];
      const at = 4 * ((GRID - 1 - j) * GRID + i);
      image.data.set([...colour, 255], at);
    }
  }
  const tile = document.createElement("canvas");
  tile.width = tile.height = GRID;
  tile.getContext("2d").putImageData(image, 0, 0);
  g.imageSmoothingEnabled = false;
  g.drawImage(tile, box[0], box[1], box[2], box[2]);
  drawDots(g, X, y, (p) => toX(p[0]), (p) => toY(p[1]));
  g.strokeStyle = INK;
  g.lineWidth = 1.6;
  g.beginPath();
  const cell = (2 * EXTENT) / (GRID - 1);
  const at = ([i, j]) => [toX(-EXTENT + i * cell), toY(-EXTENT + j * cell)];
  for (const [p, q] of contour(values)) segment(g, at(p), at(q));
  g.stroke();
  const ticks = [-1, 0, 1];
  frame(g, box, ticks, ticks, toX, toY, [s.x1, s.x2]);
}

function limits(values) {
  let lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values);
  if (hi - lo < 1e-6) hi = lo + 1;
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

/** The part of the line a·h + c = 0 inside the box, or null. */
function lineInBox([a0, a1], c, [x0, x1], [y0, y1]) {
  const ends = [];
  for (const x of [x0, x1]) if (a1) ends.push([x, -(c + a0 * x) / a1]);
  for (const v of [y0, y1]) if (a0) ends.push([-(c + a1 * v) / a0, v]);
  const inside = ends.filter(([x, v]) => x >= x0 && x <= x1 && v >= y0 && v <= y1);
  return inside.length >= 2 ? inside.slice(0, 2) : null;
}

function segment(g, [a, b], [c, d]) {
  g.moveTo(a, b);
  g.lineTo(c, d);
}

function drawHidden2(canvas, size, net, hidden, y, s) {
  const g = setUpCanvas(canvas, size);
  const box = [52, 8, size - 66];
  const xs = limits(hidden.map((h) => h[0]));
  const ys = limits(hidden.map((h) => h[1]));
  const toX = (x) => box[0] + ((x - xs[0]) / (xs[1] - xs[0])) * box[2];
  const toY = (v) => box[1] + box[2] - ((v - ys[0]) / (ys[1] - ys[0])) * box[2];
  drawDots(g, hidden, y, (h) => toX(h[0]), (h) => toY(h[1]));
  const [W, b] = [net.W[2], net.b[2]]; // the output layer: class 1 wins where (W₁ - W₀)·h + b₁ - b₀ > 0
  const line = lineInBox([W[2] - W[0], W[3] - W[1]], b[1] - b[0], xs, ys);
  g.strokeStyle = INK;
  g.lineWidth = 1.4;
  g.setLineDash([5, 4]);
  g.beginPath();
  if (line) segment(g, ...line.map(([a, b]) => [toX(a), toY(b)]));
  g.stroke();
  g.setLineDash([]);
  frame(g, box, niceTicks(...xs), niceTicks(...ys), toX, toY, [1, 2].map((n) => fill(s.unit, { n })));
  return Boolean(line);
}

function drawHidden3(canvas, size, hidden, y, s, view) {
  const g = setUpCanvas(canvas, size);
  const lo = [0, 1, 2].map((d) => Math.min(0, ...hidden.map((h) => h[d])));
  const hi = [0, 1, 2].map((d) => Math.max(0, ...hidden.map((h) => h[d])));
  const centre = lo.map((l, d) => (l + hi[d]) / 2);
  const scale = Math.max(1e-6, ...hi.map((h, d) => h - lo[d])) / 2;
  const [cy, sy, cp, sp] = [Math.cos(view.yaw), Math.sin(view.yaw), Math.cos(view.pitch), Math.sin(view.pitch)];
  const half = size / 2;
  const project = (h) => {
    const [u, v, w] = h.map((x, d) => (x - centre[d]) / scale);
    const x = cy * u - sy * v;
    const depth = sy * u + cy * v;
    return [half + x * half * 0.55, half - (cp * w - sp * depth) * half * 0.55, cp * depth + sp * w];
  };
  const origin = project([0, 0, 0]);
  g.strokeStyle = "#8a8a8a";
  g.fillStyle = INK;
  g.lineWidth = 1;
  g.textAlign = "center";
  g.textBaseline = "middle";
  for (let d = 0; d < 3; d++) {
    const end = [0, 0, 0];
    end[d] = Math.max(hi[d], scale * 0.3);
    g.beginPath();
    segment(g, origin, project(end));
    g.stroke();
    const label = project(end.map((x) => x * 1.12));
    g.fillText(fill(s.unitShort, { n: d + 1 }), label[0], label[1]);
  }
  const points = hidden.map((h, k) => [...project(h), y[k]]).sort((p, q) => q[2] - p[2]);
  for (const [px, py, , c] of points) dot(g, px, py, c);
}

// ---- The explorable ----

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function select(id, label, options, value) {
  const box = element("select", { id });
  for (const [v, text] of options) box.append(element("option", { value: v, text }));
  box.value = String(value);
  return element("div", { class: "tc-field" }, [element("label", { for: id, text: label }), box]);
}

let counter = 0;

export async function mount(root, s) {
  root.append(element("p", { class: "tc-loading", text: s.loading }));
  const data = await fetch(root.dataset.src).then((r) => r.json());
  const { X, y, settings: built } = data;
  const orders = decodeOrders(data.orders, X.length);
  const id = `tc${++counter}`;
  // Every option equal to the figures' setting is marked so.
  const options = (name, list) => list.map(([v, text]) => [v, v === built[name] ? fill(s.asBuilt, { value: text }) : text]);
  const state = { view: { yaw: -0.6, pitch: 0.35 }, playing: false, timer: 0, k: 0 };

  const inputCanvas = element("canvas", { role: "img", "aria-label": s.inputLabel });
  const hiddenCanvas = element("canvas", { role: "img", tabindex: "0" });
  const status = element("p", { class: "tc-status" });
  const live = element("p", { class: "tc-live mx-visually-hidden", "aria-live": "polite" });
  const note = element("p", { class: "tc-note" });
  const units = (list) => list.map((v) => [v, fill(s.units, { n: v })]);
  const fields = {
    width: select(`${id}-width`, s.width, options("width", units([2, 3, 4, 8, 16, 32])), built.width),
    bottleneck: select(`${id}-bottleneck`, s.bottleneck, options("bottleneck", units([2, 3])), built.bottleneck),
    activation: select(`${id}-activation`, s.activation, options("activation", [["relu", s.relu], ["tanh", s.tanh]]), built.activation),
    lr: select(`${id}-lr`, s.lr, options("lr", [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1].map((v) => [v, String(v)])), built.lr),
  };
  const value = (name) => fields[name].querySelector("select").value;
  const button = (text, label) => element("button", { type: "button", class: "tc-button", text, "aria-label": label });
  const [play, step, reset, again] = [button(s.play, s.playLabel), button(s.step, s.stepLabel), button(s.reset, s.resetLabel), button(s.newStart, s.newStartLabel)];
  const key = element("p", { class: "tc-key" }, s.classes.map((name, c) =>
    element("span", {}, [element("span", { class: "tc-dot", style: `background:${CLASS[c]}` }), name])));
  const hint = element("p", { class: "tc-hint" }); // how to turn the 3-D view, or where the dashed line is

  // Controls first, so that on a phone Play sits right above the input plane.
  root.querySelectorAll(":scope > :not(script)").forEach((n) => n.remove());
  root.append(
    element("div", { class: "tc-controls" }, [...Object.values(fields), element("div", { class: "tc-buttons" }, [play, step, reset, again])]),
    note,
    status,
    key,
    element("div", { class: "tc-views" }, [
      element("figure", { class: "tc-view" }, [element("figcaption", { text: s.inputTitle }), inputCanvas]),
      element("figure", { class: "tc-view" }, [element("figcaption", { text: s.hiddenTitle }), hiddenCanvas]),
    ]),
    hint,
    live,
  );

  let net, opt, epoch, shown, flat;

  function start() {
    const width = +value("width");
    const bottleneck = +value("bottleneck");
    const activation = value("activation");
    const same = width === built.width && bottleneck === built.bottleneck && activation === built.activation;
    const seed = startSeed(width, bottleneck, activation, state.k);
    net = same && !state.k ? fromWeights(data.start, activation) : randomNet(width, bottleneck, activation, seed);
    opt = adam(net, built);
    epoch = flat = 0;
    note.textContent = state.note = fill(same && !state.k ? s.startBuild : s.startNew, { k: state.k });
    hiddenCanvas.style.touchAction = bottleneck === 3 ? "none" : "";
    hiddenCanvas.setAttribute("aria-label", bottleneck === 3 ? s.hiddenLabel3 : s.hiddenLabel2);
    hiddenCanvas.tabIndex = bottleneck === 3 ? 0 : -1;
    draw();
  }

  function draw() {
    const width = root.clientWidth;
    const size = Math.floor(Math.min(width >= 560 ? (width - 16) / 2 : width, 400));
    drawInput(inputCanvas, size, net, X, y, s);
    const hidden = X.map(([a, b]) => Array.from(forward(net, a, b)[2]));
    const inView = net.sizes[2] === 3 || drawHidden2(hiddenCanvas, size, net, hidden, y, s);
    if (net.sizes[2] === 3) drawHidden3(hiddenCanvas, size, hidden, y, s, state.view);
    hint.textContent = net.sizes[2] === 3 ? s.rotateHint : inView ? "" : s.outside;
    const { loss, accuracy } = evaluate(net, X, y);
    shown = { epoch, loss, accuracy };
    status.textContent = fill(s.status, { epoch, loss: loss.toFixed(3), accuracy: (100 * accuracy).toFixed(1) + "%" });
    root.dataset.epoch = String(epoch);
  }

  function trainOne() {
    epoch += 1;
    trainEpoch(net, opt, X, y, epochOrder(orders, epoch, X.length), built.batch_size, +value("lr"));
    draw();
    // A network whose loss stays at ln 2 answers one half everywhere: it has probably died.
    flat = Math.abs(shown.loss - Math.LN2) < 0.002 ? flat + 1 : 0;
    note.textContent = flat >= STUCK ? fill(s.stuck, { k: state.k, n: flat }) : state.note;
  }

  const announce = () => (live.textContent = status.textContent);

  function setPlaying(on) {
    state.playing = on;
    play.textContent = on ? s.pause : s.play;
    play.setAttribute("aria-label", on ? s.pauseLabel : s.playLabel);
    clearTimeout(state.timer);
    if (on) tick();
  }

  function tick() {
    if (!state.playing) return;
    if (!root.isConnected) return setPlaying(false);
    trainOne();
    state.timer = setTimeout(tick, 120);
  }

  const stopThen = (f) => () => (setPlaying(false), f(), announce());
  const pause = stopThen(() => 0);
  play.addEventListener("click", () => (state.playing ? pause() : setPlaying(true)));
  step.addEventListener("click", stopThen(trainOne));
  reset.addEventListener("click", stopThen(start));
  again.addEventListener("click", stopThen(() => ((state.k += 1), start())));
  for (const name of ["width", "bottleneck", "activation"]) fields[name].addEventListener("change", stopThen(() => ((state.k = 0), start())));

  // Turning the 3-D view: drag it, or focus it and use the arrow keys.
  const turn = (dYaw, dPitch) => {
    state.view.yaw += dYaw;
    state.view.pitch = Math.max(-1.5, Math.min(1.5, state.view.pitch + dPitch));
    draw();
  };
  let drag = null;
  hiddenCanvas.addEventListener("pointerdown", (e) => {
    if (net.sizes[2] !== 3) return;
    drag = [e.clientX, e.clientY];
    hiddenCanvas.setPointerCapture(e.pointerId);
  });
  hiddenCanvas.addEventListener("pointermove", (e) => {
    if (drag) turn((e.clientX - drag[0]) * 0.01, (e.clientY - drag[1]) * 0.01);
    if (drag) drag = [e.clientX, e.clientY];
  });
  for (const end of ["pointerup", "pointercancel"]) hiddenCanvas.addEventListener(end, () => (drag = null));
  hiddenCanvas.addEventListener("keydown", (e) => {
    const moves = { ArrowLeft: [-0.1, 0], ArrowRight: [0.1, 0], ArrowUp: [0, -0.1], ArrowDown: [0, 0.1] };
    if (net.sizes[2] !== 3 || !moves[e.key]) return;
    e.preventDefault();
    turn(...moves[e.key]);
  });

  // Pause when the reader scrolls away; redraw at a new width.
  new IntersectionObserver(([entry]) => entry.isIntersecting || !state.playing || pause()).observe(root);
  let lastWidth = root.clientWidth;
  new ResizeObserver(() => lastWidth !== root.clientWidth && draw((lastWidth = root.clientWidth))).observe(root);

  setPlaying(false);
  start();
  root.style.minHeight = ""; // the height the page reserved until now; from here, the content's
  // For the tests: what the status line shows, unrounded, and the live network.
  root.trainCircles = { state: () => ({ ...shown }), net: () => net };
}

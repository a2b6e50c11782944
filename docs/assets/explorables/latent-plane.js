/*
 * Walk the digit manifold: a point on the plane through three digits' codes, decoded in the
 * page with the build's own decoder and read with the build's own classifier (both stored as
 * int8, one float32 scale per row), beside the pixel blend of the same three images at the
 * same weights. The data layout is described in figures_src/chapters/digits_live.py.
 *
 * Exports mount(element, strings) for assets/explorables.js, and the pure functions parse,
 * decode, blend and classify, which the browser test runs against the build's own decodings.
 * Every visible word comes from `strings`. The point is a slider to assistive technology: its
 * value text is the three weights; a hidden live region says the two readings when they change.
 */

import { element, fill } from "./dom.js";

const SIZE = 28;
const PIXELS = SIZE * SIZE;
// The triangle in the pad's own units (a 320 x 290 box): the 2 bottom left, the 0 bottom
// right (their edge is the interpolation figure's path), the third digit on top.
const PAD = { width: 320, height: 290 };
const CORNERS = [
  [66, 245],
  [254, 245],
  [160, 82],
];
const STEP = 0.025; // an arrow key moves the point by 2.5 % of the pad's width (Shift: 4 x)

const TYPES = { int8: Int8Array, uint8: Uint8Array, float32: Float32Array };

/** The data file: { labels, latent, codes, images, decoder, classifier } (layers dequantised). */
export function parse(buffer) {
  const length = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  const start = 4 + length;
  const t = {};
  for (const [name, d] of Object.entries(header.tensors)) {
    const count = d.shape.reduce((a, b) => a * b, 1);
    t[name] = { values: new TYPES[d.dtype](buffer, start + d.offset, count), shape: d.shape };
  }
  const layers = (prefix) =>
    [0, 1].map((i) => {
      const q = t[`${prefix}${i}_weight`];
      const scale = t[`${prefix}${i}_weight_scale`].values;
      const [rows, cols] = q.shape;
      const weight = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) weight[r * cols + c] = q.values[r * cols + c] * scale[r];
      }
      return { weight, bias: t[`${prefix}${i}_bias`].values, rows, cols };
    });
  return {
    labels: header.labels,
    latent: header.latent,
    codes: t.codes.values,
    images: t.images.values,
    decoder: layers("decoder"),
    classifier: layers("classifier"),
  };
}

function dense(layer, input) {
  const { weight, bias, rows, cols } = layer;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = bias[r];
    const row = r * cols;
    for (let c = 0; c < cols; c++) sum += weight[row + c] * input[c];
    out[r] = sum;
  }
  return out;
}

function relu(values) {
  for (let i = 0; i < values.length; i++) if (values[i] < 0) values[i] = 0;
  return values;
}

/** The decoded image (784 values in [0, 1]) at barycentric weights [a, b, c]. */
export function decode(model, weights) {
  const code = new Float64Array(model.latent);
  for (let k = 0; k < 3; k++) {
    const row = k * model.latent;
    for (let j = 0; j < model.latent; j++) code[j] += weights[k] * model.codes[row + j];
  }
  const logits = dense(model.decoder[1], relu(dense(model.decoder[0], code)));
  return logits.map((z) => 1 / (1 + Math.exp(-z)));
}

/** The three images' pixels mixed with the same weights. */
export function blend(model, weights) {
  const image = new Float64Array(PIXELS);
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < PIXELS; i++) image[i] += (weights[k] * model.images[k * PIXELS + i]) / 255;
  }
  return image;
}

/** The classifier's ten probabilities for an image. */
export function classify(model, image) {
  const logits = dense(model.classifier[1], relu(dense(model.classifier[0], image)));
  const top = Math.max(...logits);
  const e = logits.map((z) => Math.exp(z - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

function topClass(probs) {
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
  return { digit: best, confidence: probs[best] };
}

// --- Geometry of the pad ----------------------------------------------------------------

function toWeights([x, y]) {
  const [[x1, y1], [x2, y2], [x3, y3]] = CORNERS;
  const det = (y2 - y3) * (x1 - x3) + (x3 - x2) * (y1 - y3);
  const a = ((y2 - y3) * (x - x3) + (x3 - x2) * (y - y3)) / det;
  const b = ((y3 - y1) * (x - x3) + (x1 - x3) * (y - y3)) / det;
  return [a, b, 1 - a - b];
}

function toPoint(weights) {
  return [0, 1].map((axis) => weights.reduce((s, w, k) => s + w * CORNERS[k][axis], 0));
}

function nearestOnSegment(p, a, b) {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const along = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy);
  const t = Math.max(0, Math.min(1, along));
  return [a[0] + t * dx, a[1] + t * dy];
}

/** The point of the triangle nearest to p: p itself when it lies inside. */
function clampToTriangle(p) {
  if (toWeights(p).every((w) => w >= 0)) return p;
  let best = null;
  for (let k = 0; k < 3; k++) {
    const q = nearestOnSegment(p, CORNERS[k], CORNERS[(k + 1) % 3]);
    const d = (q[0] - p[0]) ** 2 + (q[1] - p[1]) ** 2;
    if (!best || d < best.d) best = { q, d };
  }
  return best.q;
}

// --- The view ---------------------------------------------------------------------------

function draw(canvas, image) {
  const context = canvas.getContext("2d");
  const data = context.createImageData(SIZE, SIZE);
  for (let i = 0; i < PIXELS; i++) {
    const grey = Math.round(255 * (1 - Math.min(1, Math.max(0, image[i]))));
    data.data.set([grey, grey, grey, 255], 4 * i);
  }
  context.putImageData(data, 0, 0);
}

export async function mount(root, strings) {
  const source = new URL(root.dataset.src, document.baseURI).href;
  const response = await fetch(source);
  if (!response.ok) throw new Error(`${source}: ${response.status}`);
  const model = parse(await response.arrayBuffer());
  const percent = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    style: "percent",
    maximumFractionDigits: 0,
  });

  const view = element("div", { class: "lp" });
  const pad = element("div", { class: "lp-pad" }, view);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${PAD.width} ${PAD.height}`);
  svg.setAttribute("aria-hidden", "true");
  svg.classList.add("lp-triangle");
  const path = document.createElementNS(svg.namespaceURI, "path");
  path.setAttribute("d", "M" + CORNERS.map((c) => c.join(" ")).join(" L") + " Z");
  svg.appendChild(path);
  pad.appendChild(svg);

  const at = ([x, y]) => `left: ${(100 * x) / PAD.width}%; top: ${(100 * y) / PAD.height}%`;
  const offsets = [
    [-34, 0],
    [34, 0],
    [0, -38],
  ];
  const corners = model.labels.map((label, k) => {
    const position = [CORNERS[k][0] + offsets[k][0], CORNERS[k][1] + offsets[k][1]];
    const button = element(
      "button",
      {
        type: "button",
        class: "lp-corner",
        style: at(position),
        "aria-label": fill(strings.corner, { digit: label }),
      },
      pad
    );
    const canvas = element("canvas", { width: SIZE, height: SIZE, "aria-hidden": "true" }, button);
    draw(canvas, Array.from(model.images.subarray(k * PIXELS, (k + 1) * PIXELS), (v) => v / 255));
    return button;
  });
  const handle = element(
    "div",
    {
      role: "slider",
      tabindex: "0",
      class: "lp-handle",
      "aria-label": strings.handle,
      "aria-valuemin": "0",
      "aria-valuemax": "100",
    },
    pad
  );

  const panels = element("div", { class: "lp-panels" }, view);
  const panel = (title) => {
    const box = element("div", { class: "lp-panel" }, panels);
    const canvas = element("canvas", { width: SIZE, height: SIZE, role: "img" }, box);
    const caption = element("p", { class: "lp-caption" }, box);
    element("span", { class: "lp-title", text: title }, caption);
    const reading = element("span", { class: "lp-reading" }, caption);
    return { canvas, reading };
  };
  const decodedPanel = panel(strings.decoded);
  const blendPanel = panel(strings.blend);
  const mix = element("p", { class: "lp-mix" }, view);
  element("p", { class: "lp-hint", text: strings.hint }, view);
  const live = element("p", { class: "lp-live mx-visually-hidden", "aria-live": "polite" }, view);

  let point = toPoint([1 / 3, 1 / 3, 1 / 3]);
  let pending = false;
  let started = false; // nothing is announced before the reader moves the point

  function show(panelView, image, label) {
    const { digit, confidence } = topClass(classify(model, image));
    draw(panelView.canvas, image);
    const reading = fill(strings.reading, { digit, confidence: percent.format(confidence) });
    panelView.reading.textContent = reading;
    panelView.canvas.setAttribute("aria-label", `${label}: ${reading}`);
    return { digit, short: fill(strings.short, { digit, confidence: percent.format(confidence) }) };
  }

  function update() {
    pending = false;
    const weights = toWeights(point).map((w) => Math.max(0, w));
    const total = weights.reduce((a, b) => a + b, 0);
    const normal = weights.map((w) => w / total);
    const [x, y] = point;
    handle.style.left = `${(100 * x) / PAD.width}%`;
    handle.style.top = `${(100 * y) / PAD.height}%`;
    root.dataset.weights = normal.map((w) => w.toFixed(4)).join(" ");
    const decoded = show(decodedPanel, decode(model, normal), strings.decoded);
    const blended = show(blendPanel, blend(model, normal), strings.blend);
    root.dataset.decodedClass = decoded.digit;
    root.dataset.blendClass = blended.digit;
    mix.textContent = model.labels
      .map((label, k) => fill(strings.weight, { digit: label, weight: percent.format(normal[k]) }))
      .join(" · ");
    // The slider's value: the weights (its number, the top digit's weight in percent).
    handle.setAttribute("aria-valuenow", String(Math.round(100 * normal[2])));
    handle.setAttribute("aria-valuetext", mix.textContent);
    const readings = fill(strings.live, { decoded: decoded.short, blend: blended.short });
    if (live.textContent !== readings && started) live.textContent = readings;
  }

  function moveTo(p) {
    started = true;
    point = clampToTriangle(p);
    if (!pending) {
      pending = true;
      requestAnimationFrame(update);
    }
  }

  function padPoint(event) {
    const box = pad.getBoundingClientRect();
    return [
      ((event.clientX - box.left) / box.width) * PAD.width,
      ((event.clientY - box.top) / box.height) * PAD.height,
    ];
  }

  pad.addEventListener("pointerdown", (event) => {
    if (event.target.closest(".lp-corner")) return;
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    handle.focus({ preventScroll: true });
    moveTo(padPoint(event));
  });
  pad.addEventListener("pointermove", (event) => {
    if (pad.hasPointerCapture(event.pointerId)) moveTo(padPoint(event));
  });
  handle.addEventListener("keydown", (event) => {
    const step = STEP * PAD.width * (event.shiftKey ? 4 : 1);
    const move = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    }[event.key];
    if (!move) return;
    event.preventDefault();
    moveTo([point[0] + move[0], point[1] + move[1]]);
  });
  corners.forEach((button, k) =>
    button.addEventListener("click", () => moveTo(toPoint([0, 1, 2].map((j) => +(j === k)))))
  );

  root.querySelectorAll(":scope > :not(script)").forEach((node) => node.remove());
  root.appendChild(view);
  update();
}

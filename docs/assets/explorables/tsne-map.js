/*
 * Explore the map: the t-SNE map of chapter 4, every point, in the page.
 *
 * The data file (figures_src/chapters/tsne_live.py describes its layout) holds each
 * point's place on the map (uint16), its class and its 10 nearest neighbours in the
 * latent space, as the build found them. The reader pans and zooms; the point under the
 * pointer, tapped, or reached with the arrow keys shows its thumbnail and class, and its
 * latent neighbours light up, joined to it by lines. A dashed circle holds its 10 nearest
 * points on the map: the lit points inside it are the neighbourhood the map kept, the
 * share that knn_overlap_10 averages. A point clicked, tapped or reached by key also zooms
 * the map in on it until that circle is clear. The thumbnails come in one sprite sheet,
 * fetched on the reader's first interaction: a pointer moving or pressed on the map, a key,
 * focus on a control, or the wheel zooming the map (not a page scroll passing over it).
 *
 * Every word shown comes from the page (the strings block); none is written here.
 */

import { element as make, fill } from "./dom.js";

const TILE = 28; // a thumbnail's side in the sprite sheet, in pixels
const ZOOM_STEP = 1.5;
const MAX_ZOOM = 40;
const GLIDE_MS = 350; // the zoom onto a chosen point; instant under reduced motion
const LABEL_H = 20; // a class name's box on the map, in CSS pixels
const BACKGROUND = "#ffffff"; // the map sits on white in both schemes, as the figures do
const INK = "#222222";
const FADED = "#d4d4d4";

// ---- The data file ----

/** The points file, parsed: typed arrays over its buffer (little-endian, as all browsers). */
export function parse(buffer) {
  const [n, k, classes, columns] = new Uint32Array(buffer, 0, 4);
  let at = 16;
  const take = (Type, length) => {
    const array = new Type(buffer, at, length);
    at += length * Type.BYTES_PER_ELEMENT;
    return array;
  };
  const rgba = take(Uint8Array, classes * 4);
  const hearts = take(Uint16Array, classes);
  const x = take(Uint16Array, n);
  const y = take(Uint16Array, n);
  const neighbours = take(Uint16Array, n * k);
  const labels = take(Uint8Array, n);
  const colors = Array.from({ length: classes }, (_, c) => {
    const [r, g, b] = rgba.subarray(4 * c, 4 * c + 3);
    return `rgb(${r}, ${g}, ${b})`;
  });
  return { n, k, columns, colors, hearts, x, y, neighbours, labels };
}

/** Point i's k nearest neighbours in the latent space, as the build found them. */
export function latentNeighbours(data, i) {
  return Array.from(data.neighbours.subarray(i * data.k, (i + 1) * data.k));
}

/** Point i's k nearest other points on the map (ties: the lower index first). */
export function mapNeighbours(data, i) {
  const order = [];
  for (let j = 0; j < data.n; j++) {
    if (j === i) continue;
    const dx = data.x[j] - data.x[i];
    const dy = data.y[j] - data.y[i];
    order.push([dx * dx + dy * dy, j]);
  }
  order.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return order.slice(0, data.k).map((pair) => pair[1]);
}

// ---- The page ----

let counter = 0;

export async function mount(element, strings) {
  const response = await fetch(element.dataset.src);
  if (!response.ok) throw new Error(`${element.dataset.src}: ${response.status}`);
  const data = parse(await response.arrayBuffer());
  const id = `mx-tsne-${++counter}`;

  element.querySelectorAll(":scope > :not(script)").forEach((node) => node.remove());
  const root = make("div", { class: "mx-tsne" }, element);
  const bar = make("div", { class: "mx-tsne-bar" }, root);
  make("label", { for: `${id}-filter`, class: "mx-visually-hidden", text: strings.filter }, bar);
  const filter = make("select", { id: `${id}-filter` }, bar);
  make("option", { value: "all", text: strings.all }, filter);
  strings.classes.forEach((name, c) => make("option", { value: String(c), text: name }, filter));
  const zoomIn = make("button", { type: "button", "aria-label": strings.zoomIn, text: "+" }, bar);
  const zoomOut = make("button", { type: "button", "aria-label": strings.zoomOut, text: "−" }, bar);
  const reset = make("button", { type: "button", "aria-label": strings.reset }, bar);
  reset.innerHTML = // four corners: the whole map (a drawn icon, no font needed)
    '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" ' +
    'stroke="currentColor" stroke-width="2.2"><path d="M3 9V3h6M15 3h6v6M21 15v6h-6M9 21H3v-6"/></svg>';

  const help = make("p", { id: `${id}-help`, class: "mx-tsne-help", text: strings.help }, root);
  const canvas = make(
    "canvas",
    { role: "img", tabindex: "0", "aria-label": strings.label, "aria-describedby": help.id },
    root
  );
  const info = make("div", { class: "mx-tsne-info" }, root);
  const thumbBox = make("div", { class: "mx-tsne-thumb", role: "img" }, info);
  const thumb = make("canvas", { width: TILE, height: TILE, "aria-hidden": "true" }, thumbBox);
  // Read out as one: the class, then how many neighbours the map kept.
  const words = make("div", { class: "mx-tsne-words", "aria-live": "polite", "aria-atomic": "true" }, info);
  const title = make("p", { class: "mx-tsne-class" }, words);
  const status = make("p", { class: "mx-tsne-status" }, words);
  const below = make("div", { class: "mx-tsne-row" }, root);
  make("p", { class: "mx-tsne-caption", text: fill(strings.row, { k: data.k }) }, below);
  const strip = make("div", { class: "mx-tsne-strip", role: "img" }, below);
  const tiles = Array.from({ length: data.k }, () =>
    make("canvas", { width: TILE, height: TILE, "aria-hidden": "true" }, strip)
  );
  status.textContent = strings.pick;
  root.dataset.chosen = "no"; // the thumbnail and the row stay hidden until a point is chosen

  // ---- The view: map units (0..65535, y up) to CSS pixels ----
  let width = 0;
  let height = 0;
  let scale = 1;
  let centre = [0, 0];
  let fitScale = 1;
  let moved = false; // whether the reader has panned or zoomed since the last fit
  const bounds = { x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity };
  for (let i = 0; i < data.n; i++) {
    bounds.x0 = Math.min(bounds.x0, data.x[i]);
    bounds.x1 = Math.max(bounds.x1, data.x[i]);
    bounds.y0 = Math.min(bounds.y0, data.y[i]);
    bounds.y1 = Math.max(bounds.y1, data.y[i]);
  }
  const toScreen = (i) => [
    width / 2 + (data.x[i] - centre[0]) * scale,
    height / 2 - (data.y[i] - centre[1]) * scale,
  ];
  const toMap = (sx, sy) => [centre[0] + (sx - width / 2) / scale, centre[1] - (sy - height / 2) / scale];

  function fit() {
    stopGlide();
    const spanX = bounds.x1 - bounds.x0 || 1;
    const spanY = bounds.y1 - bounds.y0 || 1;
    fitScale = 0.94 * Math.min(width / spanX, height / spanY);
    scale = fitScale;
    centre = [(bounds.x0 + bounds.x1) / 2, (bounds.y0 + bounds.y1) / 2];
    moved = false;
  }

  function zoomAt(factor, sx, sy) {
    stopGlide();
    const next = Math.min(fitScale * MAX_ZOOM, Math.max(fitScale * 0.8, scale * factor));
    const [mx, my] = toMap(sx, sy);
    scale = next;
    centre = [mx - (sx - width / 2) / scale, my + (sy - height / 2) / scale];
    moved = true;
    draw();
  }

  function pan(dx, dy) {
    stopGlide();
    centre = [centre[0] - dx / scale, centre[1] + dy / scale];
    moved = true;
    draw();
  }

  // ---- State: the class shown, the point chosen ----
  let shown = -1; // -1: every class
  let chosen = -1;
  let kept = new Set();
  let mapRadius = 0; // distance to the chosen point's k-th nearest on the map, map units
  const visible = (i) => shown < 0 || data.labels[i] === shown;

  /** Show point i (-1: none). Hovering only shows it; a click, tap or key (closer) also
   * zooms in on it, so that its dashed circle and lit neighbours come apart. */
  function choose(i, closer = false) {
    if (i !== chosen) show(i);
    if (closer && i >= 0) zoomOnto(i);
  }

  function show(i) {
    chosen = i;
    root.dataset.chosen = i < 0 ? "no" : "yes";
    if (i < 0) {
      element.dataset.selected = "";
      element.dataset.neighbours = "";
      element.dataset.kept = "";
      title.textContent = "";
      status.textContent = strings.pick;
      strip.removeAttribute("aria-label");
      thumbBox.removeAttribute("aria-label");
      draw();
      drawThumbnails();
      return;
    }
    const near = mapNeighbours(data, i);
    const last = near[near.length - 1];
    mapRadius = Math.hypot(data.x[last] - data.x[i], data.y[last] - data.y[i]);
    const neighbours = latentNeighbours(data, i);
    kept = new Set(neighbours.filter((j) => near.includes(j)));
    const name = strings.classes[data.labels[i]];
    element.dataset.selected = String(i);
    element.dataset.neighbours = neighbours.join(",");
    element.dataset.kept = String(kept.size);
    title.textContent = name;
    title.style.setProperty("--mx-tsne-class", data.colors[data.labels[i]]);
    status.textContent = fill(strings.kept, { kept: kept.size, k: data.k });
    thumbBox.setAttribute("aria-label", fill(strings.image, { name }));
    const names = neighbours.map((j) => strings.classes[data.labels[j]]).join(", ");
    strip.setAttribute("aria-label", fill(strings.rowLabel, { k: data.k, names }));
    const [sx, sy] = toScreen(i);
    if (sx < 0 || sx > width || sy < 0 || sy > height) {
      stopGlide();
      centre = [data.x[i], data.y[i]];
      moved = true;
    }
    draw();
    drawThumbnails();
  }

  // ---- Zooming onto a chosen point ----
  let glide = 0; // the animation frame of a zoom under way, if any
  const still = window.matchMedia("(prefers-reduced-motion: reduce)");

  function stopGlide() {
    if (glide) cancelAnimationFrame(glide);
    glide = 0;
  }

  /** Zoom in (never out) until point i's dashed circle is about `wanted` pixels across,
   * keeping the point where it is, or moving it just enough that the circle fits. */
  function zoomOnto(i) {
    const wanted = Math.min(60, Math.max(28, 0.12 * Math.min(width, height)));
    if (!width || mapRadius * scale >= 0.6 * wanted) return;
    const target = Math.min(fitScale * MAX_ZOOM, wanted / Math.max(mapRadius, 1e-9));
    if (target <= scale) return;
    const from = toScreen(i);
    const margin = wanted + 12;
    const to = [
      Math.min(Math.max(from[0], margin), width - margin),
      Math.min(Math.max(from[1], margin), height - margin),
    ];
    const start = scale;
    const place = (t) => {
      scale = start * (target / start) ** t;
      const sx = from[0] + (to[0] - from[0]) * t;
      const sy = from[1] + (to[1] - from[1]) * t;
      centre = [data.x[i] - (sx - width / 2) / scale, data.y[i] + (sy - height / 2) / scale];
      moved = true;
      draw();
    };
    stopGlide();
    if (still.matches) {
      place(1);
      return;
    }
    const began = performance.now();
    const frame = (now) => {
      const t = Math.min(1, (now - began) / GLIDE_MS);
      place(1 - (1 - t) ** 3); // eases out
      glide = t < 1 ? requestAnimationFrame(frame) : 0;
    };
    glide = requestAnimationFrame(frame);
  }

  // ---- Drawing ----
  const context = canvas.getContext("2d");

  function resize() {
    const box = canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    width = box.width;
    height = box.height;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    if (!moved) fit();
    draw();
  }

  function dots(indices, radius, color) {
    context.fillStyle = color;
    context.beginPath();
    for (const i of indices) {
      const [sx, sy] = toScreen(i);
      if (sx < -radius || sx > width + radius || sy < -radius || sy > height + radius) continue;
      context.moveTo(sx + radius, sy);
      context.arc(sx, sy, radius, 0, 2 * Math.PI);
    }
    context.fill();
  }

  function draw() {
    if (!width) return;
    context.fillStyle = BACKGROUND;
    context.fillRect(0, 0, width, height);
    const radius = Math.min(6, 1.8 * Math.sqrt(scale / fitScale));
    const byClass = data.colors.map(() => []);
    const faded = [];
    for (let i = 0; i < data.n; i++) (visible(i) ? byClass[data.labels[i]] : faded).push(i);
    dots(faded, radius, FADED);
    byClass.forEach((indices, c) => dots(indices, radius, data.colors[c]));
    drawNames();
    if (chosen >= 0) drawChosen(radius);
  }

  /** Each class's name at its island's heart; a name that would cover another moves up or
   * down by one or two boxes' height, or is left out when no such place is free. */
  function drawNames() {
    const font = getComputedStyle(element).fontFamily;
    context.font = `13px ${font}`;
    context.textAlign = "center";
    context.textBaseline = "middle";
    const placed = [];
    const overlaps = (a) =>
      placed.some((b) => a.x0 < b.x1 + 2 && b.x0 < a.x1 + 2 && a.y0 < b.y1 + 2 && b.y0 < a.y1 + 2);
    data.colors.forEach((color, c) => {
      if (shown >= 0 && shown !== c) return;
      const name = strings.classes[c];
      const w = context.measureText(name).width + 10;
      const [hx, hy] = toScreen(data.hearts[c]);
      if (hx < 0 || hx > width || hy < 0 || hy > height) return; // its island is out of view
      const sx = Math.min(Math.max(hx, w / 2 + 2), width - w / 2 - 2); // kept inside the map
      const box = [0, -1, 1, -2, 2]
        .map((shift) => {
          const sy = Math.min(Math.max(hy + shift * (LABEL_H + 3), 12), height - 12);
          return { sy, x0: sx - w / 2, x1: sx + w / 2, y0: sy - LABEL_H / 2, y1: sy + LABEL_H / 2 };
        })
        .find((candidate) => !overlaps(candidate));
      if (!box) return;
      placed.push(box);
      context.fillStyle = "rgba(255, 255, 255, 0.85)";
      context.strokeStyle = color;
      context.lineWidth = 2;
      context.beginPath();
      context.rect(box.x0, box.y0, w, LABEL_H);
      context.fill();
      context.stroke();
      context.fillStyle = INK;
      context.fillText(name, sx, box.sy + 1);
    });
  }

  function drawChosen(radius) {
    const [cx, cy] = toScreen(chosen);
    const neighbours = latentNeighbours(data, chosen);
    element.dataset.circle = (mapRadius * scale).toFixed(1); // its radius on screen, for tests
    context.strokeStyle = INK;
    context.setLineDash([5, 4]);
    context.lineWidth = 1.5;
    context.beginPath();
    context.arc(cx, cy, Math.max(mapRadius * scale, radius + 2), 0, 2 * Math.PI);
    context.stroke();
    context.setLineDash([]);
    context.lineWidth = 1;
    context.beginPath();
    for (const j of neighbours) {
      const [sx, sy] = toScreen(j);
      context.moveTo(cx, cy);
      context.lineTo(sx, sy);
    }
    context.stroke();
    const big = Math.max(4, radius * 1.8);
    for (const j of neighbours) {
      const [sx, sy] = toScreen(j);
      context.fillStyle = data.colors[data.labels[j]];
      context.beginPath();
      context.arc(sx, sy, big, 0, 2 * Math.PI);
      context.fill();
      context.lineWidth = 2;
      context.strokeStyle = INK;
      context.stroke();
    }
    context.fillStyle = data.colors[data.labels[chosen]];
    context.beginPath();
    context.arc(cx, cy, big + 2, 0, 2 * Math.PI);
    context.fill();
    context.lineWidth = 3;
    context.strokeStyle = INK;
    context.stroke();
  }

  // ---- Thumbnails: one sprite sheet, fetched on the first interaction ----
  let sprite = null;

  function loadSprite() {
    if (sprite) return;
    sprite = new Image();
    sprite.decoding = "async";
    sprite.addEventListener("load", () => {
      element.dataset.spriteLoaded = "yes";
      drawThumbnails();
    });
    sprite.src = element.dataset.sprite;
  }

  function tile(target, i) {
    const c = target.getContext("2d");
    c.fillStyle = BACKGROUND;
    c.fillRect(0, 0, TILE, TILE);
    if (i < 0 || !sprite || !sprite.complete || !sprite.naturalWidth) return;
    const row = Math.floor(i / data.columns);
    const column = i % data.columns;
    c.drawImage(sprite, column * TILE, row * TILE, TILE, TILE, 0, 0, TILE, TILE);
  }

  function drawThumbnails() {
    tile(thumb, chosen);
    const neighbours = chosen >= 0 ? latentNeighbours(data, chosen) : [];
    tiles.forEach((target, n) => {
      const j = n < neighbours.length ? neighbours[n] : -1;
      tile(target, j);
      target.style.borderColor = j >= 0 ? data.colors[data.labels[j]] : "transparent";
    });
  }

  // ---- Finding points ----
  function nearestTo(sx, sy, reach) {
    let best = -1;
    let bestDistance = reach * reach;
    for (let i = 0; i < data.n; i++) {
      if (!visible(i)) continue;
      const [px, py] = toScreen(i);
      const d = (px - sx) ** 2 + (py - sy) ** 2;
      if (d < bestDistance) {
        bestDistance = d;
        best = i;
      }
    }
    return best;
  }

  /** The nearest visible point from the chosen one, roughly in direction (dx, dy). */
  function step(dx, dy) {
    if (chosen < 0 || !visible(chosen)) {
      choose(nearestTo(width / 2, height / 2, Infinity), true);
      return;
    }
    const [cx, cy] = toScreen(chosen);
    let best = -1;
    let bestScore = Infinity;
    for (let i = 0; i < data.n; i++) {
      if (i === chosen || !visible(i)) continue;
      const [px, py] = toScreen(i);
      const along = (px - cx) * dx + (py - cy) * dy;
      const across = Math.abs((px - cx) * dy - (py - cy) * dx);
      if (along <= 0 || across > along) continue; // outside the 90° cone that way
      const score = along + 2 * across;
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best >= 0) choose(best, true);
  }

  // ---- Input ----
  const pointers = new Map();
  let dragged = false;
  let pinch = null;

  const local = (event) => {
    const box = canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };

  // Not pointerenter or wheel: both also fire when the page scrolls the map under a resting
  // pointer, which is no interaction. The wheel counts where it zooms the map (below).
  ["pointermove", "pointerdown", "focusin", "keydown"].forEach((type) =>
    element.addEventListener(type, loadSprite, { passive: true })
  );

  canvas.addEventListener("pointerdown", (event) => {
    try {
      canvas.setPointerCapture(event.pointerId);
    } catch {
      // a pointer the browser no longer tracks: follow it without capture
    }
    pointers.set(event.pointerId, local(event));
    dragged = false;
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { distance: Math.hypot(a[0] - b[0], a[1] - b[1]), middle: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] };
    }
  });

  canvas.addEventListener("pointermove", (event) => {
    const here = local(event);
    if (!pointers.has(event.pointerId)) {
      if (event.pointerType === "mouse") {
        const i = nearestTo(here[0], here[1], 12);
        if (i >= 0) choose(i);
      }
      return;
    }
    const before = pointers.get(event.pointerId);
    pointers.set(event.pointerId, here);
    if (pointers.size >= 2 && pinch) {
      const [a, b] = [...pointers.values()];
      const distance = Math.hypot(a[0] - b[0], a[1] - b[1]);
      const middle = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
      centre = [centre[0] - (middle[0] - pinch.middle[0]) / scale, centre[1] + (middle[1] - pinch.middle[1]) / scale];
      zoomAt(distance / (pinch.distance || distance), middle[0], middle[1]);
      pinch = { distance, middle };
      dragged = true;
      return;
    }
    const dx = here[0] - before[0];
    const dy = here[1] - before[1];
    if (dragged || Math.hypot(dx, dy) > 3) {
      dragged = true;
      canvas.classList.add("mx-tsne-dragging");
      pan(dx, dy);
    }
  });

  const release = (event) => {
    if (!pointers.has(event.pointerId)) return;
    const here = pointers.get(event.pointerId);
    pointers.delete(event.pointerId);
    if (pointers.size < 2) pinch = null;
    canvas.classList.remove("mx-tsne-dragging");
    if (event.type === "pointerup" && !dragged && pointers.size === 0) {
      const reach = event.pointerType === "mouse" ? 12 : 22;
      choose(nearestTo(here[0], here[1], reach), true);
    }
  };
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);

  canvas.addEventListener(
    "wheel",
    (event) => {
      if (document.activeElement !== canvas) return; // the page scrolls until the map is chosen
      event.preventDefault();
      loadSprite();
      const [sx, sy] = local(event);
      const lines = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? height : 1;
      zoomAt(Math.exp(-event.deltaY * lines * 0.002), sx, sy);
    },
    { passive: false }
  );

  const directions = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  canvas.addEventListener("keydown", (event) => {
    const direction = directions[event.key];
    const focus = chosen >= 0 ? toScreen(chosen) : [width / 2, height / 2];
    if (direction && event.shiftKey) pan(-direction[0] * width * 0.15, -direction[1] * height * 0.15);
    else if (direction) step(direction[0], direction[1]);
    else if (event.key === "+" || event.key === "=") zoomAt(ZOOM_STEP, focus[0], focus[1]);
    else if (event.key === "-" || event.key === "_") zoomAt(1 / ZOOM_STEP, focus[0], focus[1]);
    else if (event.key === "0") {
      fit();
      draw();
    } else if (event.key === "Escape") choose(-1);
    else return;
    event.preventDefault();
  });

  zoomIn.addEventListener("click", () => zoomAt(ZOOM_STEP, width / 2, height / 2));
  zoomOut.addEventListener("click", () => zoomAt(1 / ZOOM_STEP, width / 2, height / 2));
  reset.addEventListener("click", () => {
    fit();
    draw();
  });
  filter.addEventListener("change", () => {
    shown = filter.value === "all" ? -1 : Number(filter.value);
    draw(); // the chosen point and its lit neighbours keep their colours in any class
  });

  new ResizeObserver(resize).observe(canvas);
  resize();
  drawThumbnails();
}

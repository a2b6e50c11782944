/*
 * The animation player: play/pause, a scrubber over the frames, ←/→ steps, and the frame's
 * label (its epoch). Frames come from the sprite sheet that the build drew together with the
 * GIF, so the player and the GIF show the same pixels. Without JavaScript the <noscript> GIF
 * plays instead.
 *
 * It starts paused, on the last frame, when the reader prefers reduced motion, and it is set
 * up again after each of Material's instant page loads.
 */
(function () {
  "use strict";

  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  function button(label, text) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "mx-button";
    b.setAttribute("aria-label", label);
    b.textContent = text;
    return b;
  }

  function setUp(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    var meta = JSON.parse(root.dataset.frames);
    var count = meta.frames;

    var canvas = document.createElement("canvas");
    canvas.width = meta.width;
    canvas.height = meta.height;
    canvas.className = "mx-canvas";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", root.dataset.alt);
    var context = canvas.getContext("2d");

    var controls = document.createElement("div");
    controls.className = "mx-controls";
    var toggle = button("Pause animation", "❚❚");
    var back = button("Previous frame", "◀");
    var forward = button("Next frame", "▶");
    var scrubber = document.createElement("input");
    scrubber.type = "range";
    scrubber.min = "0";
    scrubber.max = String(count - 1);
    scrubber.step = "1";
    scrubber.className = "mx-scrubber";
    scrubber.setAttribute("aria-label", "Frame");
    var label = document.createElement("span");
    label.className = "mx-label";
    label.setAttribute("aria-live", "polite");
    controls.append(toggle, back, forward, scrubber, label);

    root.textContent = "";
    root.append(canvas, controls);
    root.tabIndex = 0;
    root.setAttribute("aria-label", "Animation player: space to play or pause, arrow keys to step");

    var sheet = new Image();
    var frame = 0;
    var playing = false;
    var timer = null;

    function show(i) {
      frame = (i + count) % count;
      if (sheet.complete && sheet.naturalWidth) {
        var x = (frame % meta.columns) * meta.width;
        var y = Math.floor(frame / meta.columns) * meta.height;
        context.drawImage(sheet, x, y, meta.width, meta.height, 0, 0, meta.width, meta.height);
      }
      scrubber.value = String(frame);
      label.textContent = meta.labels[frame] || "frame " + (frame + 1) + " of " + count;
      root.dataset.frame = String(frame);
    }

    function tick() {
      timer = null;
      if (!playing || !root.isConnected) return;
      show(frame + 1);
      timer = window.setTimeout(tick, meta.durations_ms[frame]);
    }

    function play(on) {
      playing = on;
      toggle.textContent = on ? "❚❚" : "►";
      toggle.setAttribute("aria-label", on ? "Pause animation" : "Play animation");
      root.dataset.playing = on ? "1" : "0";
      if (timer) window.clearTimeout(timer);
      timer = on ? window.setTimeout(tick, meta.durations_ms[frame]) : null;
    }

    toggle.addEventListener("click", function () { play(!playing); });
    back.addEventListener("click", function () { play(false); show(frame - 1); });
    forward.addEventListener("click", function () { play(false); show(frame + 1); });
    scrubber.addEventListener("input", function () { play(false); show(Number(scrubber.value)); });
    root.addEventListener("keydown", function (event) {
      if (event.target === scrubber) return; // the range input handles its own arrows
      if (event.key === "ArrowRight") { play(false); show(frame + 1); event.preventDefault(); }
      else if (event.key === "ArrowLeft") { play(false); show(frame - 1); event.preventDefault(); }
      else if (event.key === " " && event.target === root) { play(!playing); event.preventDefault(); }
    });

    sheet.addEventListener("load", function () {
      show(frame);
      root.dataset.loaded = "1";
    });
    sheet.src = root.dataset.sheet;
    if (reducedMotion.matches) {
      show(count - 1);
      play(false);
    } else {
      show(0);
      play(true);
    }
  }

  function setUpAll() {
    document.querySelectorAll(".mx-player").forEach(setUp);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setUpAll); // Material: every page, instant navigation included
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();

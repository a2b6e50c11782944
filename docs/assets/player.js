/*
 * The animation player: play/pause, a scrubber over the frames, ←/→ steps, and the frame's
 * label (its epoch). Frames come from the sprite sheet that the build drew together with the
 * GIF, so the player and the GIF show the same pixels. Without JavaScript the <noscript> GIF
 * plays instead.
 *
 * Cheap on a phone:
 * - a player's sprite sheet is fetched only when the player comes near the viewport, and
 *   decoded off the main thread (createImageBitmap) where the browser can;
 * - a player out of view is stopped: no timer runs for it;
 * - at most one animation plays by itself: of the players in view that the reader has not
 *   paused, the most visible one (a player the reader started keeps playing while in view);
 * - when the reader prefers reduced motion, nothing plays by itself: players start paused,
 *   on the last frame.
 *
 * Each player's state is on its element: data-loaded (the sheet is drawn), data-playing
 * (a timer is running), data-frame, data-visible. (Set up again on each of Material's
 * page events, should instant loading come back.)
 *
 * Its words come in the page's language (<html lang>): English, or Korean in the Korean
 * edition. A frame's label comes with the frames, drawn in the same language.
 */
(function () {
  "use strict";

  var WORDS = {
    en: {
      play: "Play animation",
      pause: "Pause animation",
      back: "Previous frame",
      forward: "Next frame",
      frame: "Frame",
      player: "Animation player: space to play or pause, arrow keys to step",
      nth: function (i, n) { return "frame " + i + " of " + n; },
    },
    ko: {
      play: "애니메이션 재생",
      pause: "애니메이션 일시 정지",
      back: "이전 프레임",
      forward: "다음 프레임",
      frame: "프레임",
      player: "애니메이션 플레이어: 스페이스 키로 재생·일시 정지, 화살표 키로 한 프레임씩 이동",
      nth: function (i, n) { return "프레임 " + i + "/" + n; },
    },
  };
  var words = WORDS[document.documentElement.lang] || WORDS.en;
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  var players = []; // the current page's players, in document order
  var chosen = null; // the player the reader started, if any

  function button(label, text) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "mx-button";
    b.setAttribute("aria-label", label);
    b.textContent = text;
    return b;
  }

  function decode(url) {
    if (window.createImageBitmap && window.fetch) {
      return fetch(url)
        .then(function (response) {
          if (!response.ok) throw new Error(url + ": HTTP " + response.status);
          return response.blob();
        })
        .then(function (blob) {
          return createImageBitmap(blob);
        });
    }
    return new Promise(function (resolve, reject) {
      var image = new Image();
      image.onload = function () {
        resolve(image);
      };
      image.onerror = function () {
        reject(new Error("cannot load " + url));
      };
      image.src = url;
    });
  }

  function Player(root) {
    var meta = JSON.parse(root.dataset.frames);
    var count = meta.frames;
    var self = this;
    this.root = root;
    this.ratio = 0; // how much of it is in view, 0..1
    this.near = false;
    this.userPaused = reducedMotion.matches;
    this.playing = false;

    var canvas = document.createElement("canvas");
    canvas.width = meta.width;
    canvas.height = meta.height;
    canvas.className = "mx-canvas";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", root.dataset.alt);
    var context = canvas.getContext("2d");

    var controls = document.createElement("div");
    controls.className = "mx-controls";
    var toggle = button(words.play, "►");
    var back = button(words.back, "◀");
    var forward = button(words.forward, "▶");
    var scrubber = document.createElement("input");
    scrubber.type = "range";
    scrubber.min = "0";
    scrubber.max = String(count - 1);
    scrubber.step = "1";
    scrubber.className = "mx-scrubber";
    scrubber.setAttribute("aria-label", words.frame);
    var label = document.createElement("span");
    label.className = "mx-label";
    label.setAttribute("aria-live", "polite");
    controls.append(toggle, back, forward, scrubber, label);

    root.textContent = "";
    root.append(canvas, controls);
    root.tabIndex = 0;
    root.setAttribute("aria-label", words.player);
    root.dataset.playing = "0";

    var sheet = null;
    var frame = 0;
    var timer = null;

    function show(i) {
      frame = (i + count) % count;
      if (sheet) {
        var x = (frame % meta.columns) * meta.width;
        var y = Math.floor(frame / meta.columns) * meta.height;
        context.drawImage(sheet, x, y, meta.width, meta.height, 0, 0, meta.width, meta.height);
      }
      scrubber.value = String(frame);
      label.textContent = meta.labels[frame] || words.nth(frame + 1, count);
      root.dataset.frame = String(frame);
    }

    function tick() {
      timer = null;
      if (!self.playing || !root.isConnected) return;
      show(frame + 1);
      timer = window.setTimeout(tick, meta.durations_ms[frame]);
    }

    // Runs or stops the timer; only schedule() decides which player runs.
    this.run = function (on) {
      on = on && sheet !== null;
      if (on === this.playing) return;
      this.playing = on;
      toggle.textContent = on ? "❚❚" : "►";
      toggle.setAttribute("aria-label", on ? words.pause : words.play);
      root.dataset.playing = on ? "1" : "0";
      if (timer) window.clearTimeout(timer);
      timer = on ? window.setTimeout(tick, meta.durations_ms[frame]) : null;
    };

    this.load = function () {
      if (this.loading) return;
      this.loading = true;
      decode(root.dataset.sheet).then(
        function (bitmap) {
          sheet = bitmap;
          show(frame);
          root.dataset.loaded = "1";
          schedule();
        },
        function (err) {
          console.error("animation player: " + err.message);
        }
      );
    };

    function pauseByReader() {
      self.userPaused = true;
      if (chosen === self) chosen = null;
      schedule();
    }

    toggle.addEventListener("click", function () {
      if (self.playing) {
        pauseByReader();
      } else {
        self.userPaused = false;
        chosen = self;
        schedule();
      }
    });
    back.addEventListener("click", function () {
      pauseByReader();
      show(frame - 1);
    });
    forward.addEventListener("click", function () {
      pauseByReader();
      show(frame + 1);
    });
    scrubber.addEventListener("input", function () {
      pauseByReader();
      show(Number(scrubber.value));
    });
    root.addEventListener("keydown", function (event) {
      if (event.target === scrubber) return; // the range input handles its own arrows
      if (event.key === "ArrowRight") {
        pauseByReader();
        show(frame + 1);
        event.preventDefault();
      } else if (event.key === "ArrowLeft") {
        pauseByReader();
        show(frame - 1);
        event.preventDefault();
      } else if (event.key === " " && event.target === root) {
        toggle.click();
        event.preventDefault();
      }
    });

    show(reducedMotion.matches ? count - 1 : 0);
  }

  // Which player runs: the one the reader started, while it is in view; otherwise the most
  // visible player that the reader has not paused. Every other player is stopped.
  function schedule() {
    var runner = null;
    if (chosen && chosen.root.isConnected && chosen.ratio > 0) {
      runner = chosen;
    } else if (!reducedMotion.matches) {
      players.forEach(function (p) {
        if (p.ratio > 0 && !p.userPaused && (!runner || p.ratio > runner.ratio)) runner = p;
      });
    }
    players.forEach(function (p) {
      p.run(p === runner);
    });
  }

  // One observer loads sheets as players come within half a screen of the viewport; another
  // tells how much of each player is in view.
  var nearby =
    "IntersectionObserver" in window
      ? new IntersectionObserver(
          function (entries) {
            entries.forEach(function (entry) {
              if (entry.isIntersecting) {
                entry.target.mxPlayer.load();
                nearby.unobserve(entry.target);
              }
            });
          },
          { rootMargin: "50% 0px" }
        )
      : null;
  var inView =
    "IntersectionObserver" in window
      ? new IntersectionObserver(
          function (entries) {
            entries.forEach(function (entry) {
              var player = entry.target.mxPlayer;
              player.ratio = entry.isIntersecting ? Math.max(entry.intersectionRatio, 0.001) : 0;
              entry.target.dataset.visible = player.ratio > 0 ? "1" : "0";
            });
            schedule();
          },
          { threshold: [0, 0.25, 0.5, 0.75, 1] }
        )
      : null;

  function setUpAll() {
    players = players.filter(function (p) {
      if (p.root.isConnected) return true;
      p.run(false);
      if (inView) inView.unobserve(p.root);
      if (nearby) nearby.unobserve(p.root);
      return false;
    });
    if (chosen && !chosen.root.isConnected) chosen = null;
    document.querySelectorAll(".mx-player").forEach(function (root) {
      if (root.dataset.ready) return;
      root.dataset.ready = "1";
      var player = new Player(root);
      root.mxPlayer = player;
      players.push(player);
      if (inView) {
        nearby.observe(root);
        inView.observe(root);
      } else {
        player.ratio = 1; // no IntersectionObserver: load and play as before
        player.load();
      }
    });
    schedule();
  }

  reducedMotion.addEventListener("change", function () {
    players.forEach(function (p) {
      p.userPaused = reducedMotion.matches;
    });
    schedule();
  });

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setUpAll); // Material: once per page load
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();

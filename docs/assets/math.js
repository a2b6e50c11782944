/*
 * Formulas. pymdownx.arithmatex (generic mode) leaves each formula's TeX in an element of class
 * "arithmatex", as \( … \) inline or \[ … \] displayed, and KaTeX typesets it. KaTeX is served
 * from this site (assets/katex, beside this script) and loaded only by pages that have
 * formulas, once. Material's instant navigation swaps pages without reloading scripts, so this
 * runs on every page load it reports through document$.
 *
 * Until then the TeX is hidden (explainer.css), so the reader never sees it flash by. A
 * formula KaTeX cannot parse, or every formula if KaTeX cannot be loaded, is shown as TeX and
 * reported on the console, where the browser test sees it.
 */
(function () {
  "use strict";

  var katexDir = new URL("katex/", document.currentScript.src).href;
  var loading = null;

  function loadKatex() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var css = document.createElement("link");
        css.rel = "stylesheet";
        css.href = katexDir + "katex.min.css";
        document.head.appendChild(css);
        var js = document.createElement("script");
        js.src = katexDir + "katex.min.js";
        js.onload = resolve;
        js.onerror = function () {
          reject(new Error("cannot load " + js.src));
        };
        document.head.appendChild(js);
      });
    }
    return loading;
  }

  function typeset(formulas) {
    formulas.forEach(function (el) {
      var tex = el.textContent.trim();
      try {
        el.innerHTML = katex.renderToString(tex.slice(2, -2), {
          displayMode: tex.startsWith("\\["),
          throwOnError: true,
        });
        el.dataset.typeset = "1";
      } catch (err) {
        el.dataset.typeset = "failed"; // shown as TeX
        console.error("KaTeX cannot typeset " + JSON.stringify(tex) + ": " + err.message);
      }
    });
  }

  document$.subscribe(function () {
    var formulas = document.querySelectorAll(".arithmatex:not([data-typeset])");
    if (formulas.length === 0) return;
    loadKatex().then(
      function () {
        typeset(formulas);
      },
      function (err) {
        formulas.forEach(function (el) {
          el.dataset.typeset = "failed";
        });
        console.error(err.message);
      }
    );
  });
})();

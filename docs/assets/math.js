/*
 * Formulas. The build typesets them with KaTeX (overrides/hooks/math.py, under Node.js), so
 * this script usually has nothing to typeset: it only makes sure KaTeX's style sheet is on the
 * page after one of Material's instant page loads (which swap the content, not the head).
 *
 * When the build had no Node.js, pymdownx.arithmatex (generic mode) left each formula's TeX in
 * an element of class "arithmatex", as \( … \) inline or \[ … \] displayed, and this script
 * typesets it with KaTeX served from this site (assets/katex, beside this script), loaded
 * once, by pages that need it. Until then the TeX is hidden (explainer.css), so the reader
 * never sees it flash by. A formula KaTeX cannot parse, or every formula if KaTeX cannot be
 * loaded, is shown as TeX and reported on the console, where the browser test sees it.
 *
 * It also lets the keyboard reach what scrolls sideways (wide tables and formulas).
 */
(function () {
  "use strict";

  var katexDir = new URL("katex/", document.currentScript.src).href;
  var loading = null;

  function addStyleSheet() {
    if (document.querySelector("link[data-katex]")) return;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = katexDir + "katex.min.css";
    css.dataset.katex = "";
    document.head.appendChild(css);
  }

  function loadKatex() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
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

  // Material wraps each table in a box that scrolls sideways when the table is too wide; a
  // keyboard reaches it only if it can take the focus (WCAG 2.1.1). So can displayed formulas.
  function focusableScrollers() {
    document
      .querySelectorAll(".md-typeset__scrollwrap:not([tabindex]), div.arithmatex:not([tabindex])")
      .forEach(function (el) {
        el.tabIndex = 0;
      });
  }

  document$.subscribe(function () {
    focusableScrollers();
    window.requestAnimationFrame(focusableScrollers); // after Material has wrapped the tables
    if (!document.querySelector(".arithmatex")) return;
    addStyleSheet();
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

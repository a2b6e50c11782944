/*
 * Explorables: live, in-page versions of some figures. The page marks each one with
 *
 *   <div class="mx-explorable" data-explorable="NAME" data-src="URL of its data">
 *     <script type="application/json" class="mx-strings">{ every visible word and label }</script>
 *     ... what the reader sees without JavaScript ...
 *   </div>
 *
 * This loader fetches nothing until an explorable comes within a screen of the viewport;
 * then it imports assets/explorables/NAME.js (an ES module) and loads NAME.css beside it,
 * and once both are in (an explorable measures itself with its styles applied), calls the
 * module's mount(element, strings), once per element. Every word an explorable shows comes from
 * its mx-strings block, so each language's page carries its own words.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var base = new URL("explorables/", script ? script.src : location.href);

  function strings(element) {
    var block = element.querySelector("script.mx-strings");
    return block ? JSON.parse(block.textContent) : {};
  }

  function stylesheet(name) {
    var href = new URL(name + ".css", base).href;
    var link = document.querySelector('link[href="' + href + '"]');
    if (link && link.sheet) return Promise.resolve();
    if (!link) {
      link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      document.head.appendChild(link);
    }
    return new Promise(function (resolve, reject) {
      link.addEventListener("load", resolve, { once: true });
      link.addEventListener("error", function () {
        reject(new Error(href + " did not load"));
      }, { once: true });
    });
  }

  function mount(element) {
    if (element.dataset.mounted) return;
    element.dataset.mounted = "loading";
    var name = element.dataset.explorable;
    Promise.all([import(new URL(name + ".js", base).href), stylesheet(name)])
      .then(function (loaded) {
        return loaded[0].mount(element, strings(element));
      })
      .then(function () {
        element.dataset.mounted = "yes";
      })
      .catch(function (error) {
        element.dataset.mounted = "failed";
        console.error("explorable " + name + ": " + error);
      });
  }

  function setUp() {
    var elements = document.querySelectorAll("[data-explorable]");
    if (!elements.length) return;
    if (!("IntersectionObserver" in window)) {
      elements.forEach(mount);
      return;
    }
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            observer.unobserve(entry.target);
            mount(entry.target);
          }
        });
      },
      { rootMargin: "100% 0px" }
    );
    elements.forEach(function (element) {
      observer.observe(element);
    });
  }

  if (window.document$ && window.document$.subscribe) {
    window.document$.subscribe(setUp); // Material's instant loading: each new page
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

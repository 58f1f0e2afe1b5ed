// Behaviour shared by all pages. Loaded as a file: the Content-Security-Policy forbids inline script.
(function () {
  "use strict";

  // Widths of progress bars and score bars come from data attributes, since inline styles are blocked.
  function applyWidths(root) {
    root.querySelectorAll("[data-width]").forEach(function (el) {
      var value = parseFloat(el.getAttribute("data-width"));
      if (!isNaN(value)) {
        el.style.width = Math.max(0, Math.min(100, value)) + "%";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  document.addEventListener("htmx:afterSwap", function (event) { applyWidths(event.target); });
})();

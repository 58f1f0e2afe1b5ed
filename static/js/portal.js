// Vendor questionnaire: progress bars after out-of-band swaps and a visible state when a save fails.
(function () {
  "use strict";

  function applyWidths(root) {
    root.querySelectorAll("[data-width]").forEach(function (el) {
      var value = parseFloat(el.getAttribute("data-width"));
      if (!isNaN(value)) {
        el.style.width = Math.max(0, Math.min(100, value)) + "%";
      }
    });
  }

  function showFailure(event) {
    var source = event.detail && event.detail.elt;
    var question = source && source.closest ? source.closest(".question") : null;
    var slot = question ? question.querySelector(".save-slot") : null;
    if (slot) {
      slot.textContent = "";
      var span = document.createElement("span");
      span.className = "save-state-error";
      span.textContent = "Not saved: the connection failed. Use the Save button below.";
      slot.appendChild(span);
    }
  }

  document.addEventListener("htmx:oobAfterSwap", function (event) { applyWidths(event.target.parentNode || document); });
  document.addEventListener("htmx:responseError", showFailure);
  document.addEventListener("htmx:sendError", showFailure);
})();

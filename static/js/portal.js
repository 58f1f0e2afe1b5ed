// Vendor questionnaire: progress bars after out-of-band swaps, saving tables, and a visible state when a
// save fails.
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

  // A table is saved once focus leaves it, not on each cell: a save replaces the table, and doing
  // that while the vendor is typing in the next cell would throw away what they are typing.
  function tableArea(el) {
    return el && el.closest ? el.closest(".answer-area[data-save-on-leave]") : null;
  }

  document.addEventListener("change", function (event) {
    var area = tableArea(event.target);
    if (area) {
      area.setAttribute("data-dirty", "");
    }
  });

  document.addEventListener("focusout", function (event) {
    var area = tableArea(event.target);
    if (!area || area.contains(event.relatedTarget) || !area.hasAttribute("data-dirty")) {
      return;
    }
    area.removeAttribute("data-dirty");
    htmx.trigger(area, "portal-save");
  });

  document.addEventListener("htmx:oobAfterSwap", function (event) { applyWidths(event.target.parentNode || document); });
  document.addEventListener("htmx:responseError", showFailure);
  document.addEventListener("htmx:sendError", showFailure);
})();

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

  // A failed autosave is sent again a few times, then waits for the vendor. htmx leaves the field as
  // it is when a save fails, so what was typed stays on screen; the state beside it says so.
  var RETRY_DELAYS_MS = [1000, 3000, 7000];

  function answerArea(el) {
    return el && el.closest ? el.closest(".answer-area") : null;
  }

  function saveAgain(area) {
    htmx.trigger(area, area.hasAttribute("data-save-on-leave") ? "portal-save" : "change");
  }

  function showState(area, text, withButton) {
    var slot = area.querySelector(".save-slot");
    if (!slot) {
      return;
    }
    slot.textContent = "";
    var span = document.createElement("span");
    span.className = "save-state-error";
    span.textContent = text;
    slot.appendChild(span);
    if (withButton) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-sm save-again";
      button.textContent = "Save again";
      slot.appendChild(button);
    }
  }

  function isRetryable(event) {
    var xhr = event.detail && event.detail.xhr;
    // No answer at all, a server fault, or a rate limit: the same save may well succeed later.
    return !xhr || xhr.status === 0 || xhr.status >= 500 || xhr.status === 429;
  }

  function showFailure(event) {
    var source = event.detail && event.detail.elt;
    var verb = event.detail && event.detail.requestConfig ? event.detail.requestConfig.verb : "post";
    var area = answerArea(source);
    if (!area || verb !== "post") {
      return;
    }
    var attempts = parseInt(area.getAttribute("data-save-attempts") || "0", 10);
    if (isRetryable(event) && attempts < RETRY_DELAYS_MS.length) {
      area.setAttribute("data-save-attempts", String(attempts + 1));
      area.setAttribute("data-save-failed", "");
      showState(area, "Not saved \u2013 your text is kept; retrying\u2026", true);
      window.setTimeout(function () {
        if (area.isConnected) {
          saveAgain(area);
        }
      }, RETRY_DELAYS_MS[attempts]);
      return;
    }
    area.removeAttribute("data-save-attempts");
    area.setAttribute("data-save-failed", "");
    showState(area, "Not saved \u2013 your text is kept.", true);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".save-again") : null;
    var area = answerArea(button);
    if (area) {
      area.removeAttribute("data-save-attempts");
      saveAgain(area);
    }
  });

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

// Vendor questionnaire: each field saves on its own (on change, and after a pause in typing), posting
// only its own inputs; progress bars after out-of-band swaps; tables saved when focus leaves them; a
// visible state when a save fails; a warning, and a last save, when the page is left with unsaved input.
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

  // The answer areas sit inside the section's form (so the plain Save button works without
  // JavaScript), and htmx would post the whole form: keep only this question's own fields.
  document.addEventListener("htmx:configRequest", function (event) {
    var area = answerArea(event.detail.elt);
    var prefix = area ? area.getAttribute("data-fields") : null;
    if (!prefix || event.detail.verb !== "post") {
      return;
    }
    var params = event.detail.parameters;
    Array.from(params.keys()).forEach(function (name) {
      if (name.indexOf(prefix) !== 0) {
        params.delete(name);
      }
    });
  });

  // Input not yet sent to the server: typed since the last save left, or a save that failed.
  function markUnsaved(event) {
    var area = answerArea(event.target);
    if (!area || !area.hasAttribute("data-fields")) {
      return;
    }
    area.setAttribute("data-unsaved", "");
    var saved = area.querySelector(".save-slot .save-state-saved");
    if (saved) {
      saved.remove();  // "Saved" would no longer be true
    }
  }
  // Captured on the way down, before htmx starts the save on the field's area and clears the mark.
  document.addEventListener("input", markUnsaved, true);
  document.addEventListener("change", markUnsaved, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    var area = answerArea(event.detail.elt);
    if (area && event.detail.requestConfig && event.detail.requestConfig.verb === "post") {
      area.removeAttribute("data-unsaved");  // what was typed from now on is unsaved again
      area.setAttribute("data-in-flight", "");
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var area = answerArea(event.detail.elt);
    if (!area || !area.hasAttribute("data-in-flight")) {
      return;
    }
    area.removeAttribute("data-in-flight");
    if (event.detail.successful) {
      area.removeAttribute("data-save-failed");
      area.removeAttribute("data-save-attempts");
    } else {
      area.setAttribute("data-unsaved", "");
    }
  });

  // The field is not replaced by a save; its state beside it says whether the value was refused.
  function markInvalid(state) {
    var area = answerArea(state);
    if (!area) {
      return;
    }
    var invalid = Boolean(state.querySelector("[data-invalid]"));
    area.querySelectorAll(".form-control").forEach(function (input) {
      input.classList.toggle("is-invalid", invalid);
      if (invalid) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
  }

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    applyWidths(event.target.parentNode || document);
    if (event.target.id && /-state$/.test(event.target.id)) {
      markInvalid(event.target);
    }
  });

  function pendingAreas() {
    return Array.from(document.querySelectorAll(
      ".answer-area[data-unsaved], .answer-area[data-in-flight], .answer-area[data-save-failed]"
    ));
  }

  window.addEventListener("beforeunload", function (event) {
    // A save already on its way is sent again on leaving (below); typed text not yet sent warns.
    if (document.querySelector(".answer-area[data-unsaved], .answer-area[data-save-failed]")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Leaving anyway: what is still unsaved goes out as a plain form post the browser completes
  // after the page is gone. A save that did arrive makes this one a harmless repeat.
  window.addEventListener("pagehide", function () {
    var form = document.querySelector("form[data-portal-form]");
    var csrf = form ? form.querySelector("input[name=csrfmiddlewaretoken]") : null;
    if (!csrf || !navigator.sendBeacon) {
      return;
    }
    pendingAreas().forEach(function (area) {
      var prefix = area.getAttribute("data-fields");
      var data = new FormData(form);
      Array.from(data.keys()).forEach(function (name) {
        if (name !== "csrfmiddlewaretoken" && name.indexOf(prefix) !== 0) {
          data.delete(name);
        }
      });
      data.delete(prefix + "file");
      navigator.sendBeacon(area.getAttribute("hx-post"), data);
    });
  });

  document.addEventListener("htmx:responseError", showFailure);
  document.addEventListener("htmx:sendError", showFailure);
})();

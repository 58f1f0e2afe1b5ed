// Links made before the answers moved to the review workspace point at "#q-<id>" on the evaluation
// page (stored notifications, sent e-mails, bookmarks). Send them on to that question's address.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var match = /^#q-(\d+)$/.exec(window.location.hash);
    var answers = document.getElementById("answers");
    var pattern = answers && answers.getAttribute("data-question-url");
    if (match && pattern) {
      window.location.replace(pattern.replace(/\/0\/$/, "/" + match[1] + "/"));
    }
  });
})();

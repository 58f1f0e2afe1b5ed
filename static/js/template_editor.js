// Question form: show only the settings that apply to the chosen question type.
(function () {
  "use strict";

  var FIELDS_BY_TYPE = {
    single_choice: ["choices"],
    multi_choice: ["choices"],
    number: ["unit", "minimum", "maximum"],
    short_text: ["max_length"],
    long_text: ["max_length"],
    table: ["columns", "row_key", "required_rows"],
    file: ["has_expiry"]
  };
  var ALL = ["choices", "unit", "minimum", "maximum", "max_length", "columns", "row_key", "required_rows", "has_expiry"];

  function update(select) {
    var wanted = FIELDS_BY_TYPE[select.value] || [];
    ALL.forEach(function (name) {
      var wrapper = document.getElementById("div_id_" + name);
      if (wrapper) {
        wrapper.hidden = wanted.indexOf(name) === -1;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_type");
    if (!select) {
      return;
    }
    update(select);
    select.addEventListener("change", function () { update(select); });
  });
})();

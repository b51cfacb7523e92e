// One click logs one call: a second submit of the same row (double click) is ignored.
(function () {
  "use strict";
  document.querySelectorAll("form.quick-log").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
      form.setAttribute("aria-busy", "true");
    });
  });
})();

/* Conflict page: the shared note goes with whichever decision is submitted. */
(function () {
  "use strict";
  document.addEventListener("submit", function (evt) {
    const form = evt.target.closest && evt.target.closest("form[data-decision-form]");
    const note = document.querySelector("[data-decision-note]");
    if (form && note) form.querySelector("input[name=note]").value = note.value;
  }, true);
})();

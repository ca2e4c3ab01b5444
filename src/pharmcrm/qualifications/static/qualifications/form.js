/* Qualification upload form: show the fields of the chosen type (the authorised person for an
   authorisation, the name for "other"), and disable the end date for a long-term document.
   Without this script every field shows and the server ignores the ones that do not apply. */
(function () {
  "use strict";
  function sync(form) {
    const select = form.querySelector("[data-qual-type]");
    const type = select ? select.value : form.dataset.fixedType || "";
    form.querySelectorAll("[data-qual-for]").forEach(function (el) {
      const show = el.dataset.qualFor.split(" ").indexOf(type || "*") !== -1;  /* "*": no type chosen yet */
      el.hidden = !show;
    });
    const noExpiry = form.querySelector("input[name=no_expiry]");
    const validTo = form.querySelector("input[name=valid_to]");
    if (noExpiry && validTo) {
      validTo.disabled = noExpiry.checked;
      if (noExpiry.checked) validTo.value = "";
    }
  }
  function init() {
    document.querySelectorAll("form[data-qual-form]").forEach(function (form) {
      form.addEventListener("change", function (evt) {
        if (evt.target.matches("[data-qual-type], input[name=no_expiry]")) sync(form);
      });
      sync(form);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();

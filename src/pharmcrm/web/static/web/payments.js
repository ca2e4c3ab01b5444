// The "record payment" form: typing the amount proposes the allocations oldest order first
// (the rows come oldest approval first); finance may change any of them. Amounts are handled
// in cents (integers), never as binary fractions.
(function () {
  "use strict";
  function cents(text) {
    var s = String(text || "").replace(/[,\s¥]/g, "");
    if (!/^\d+(\.\d{0,2})?$/.test(s)) return null;
    var parts = s.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }
  function yuan(c) {
    var neg = c < 0; c = Math.abs(c);
    return (neg ? "-" : "") + Math.floor(c / 100) + "." + String(c % 100).padStart(2, "0");
  }
  function init(form) {
    var amount = form.querySelector("[name=amount]");
    var inputs = Array.prototype.slice.call(form.querySelectorAll("[data-alloc]"));
    var left = form.querySelector("[data-credit-left]");
    var touched = false;
    function update() {
      if (!left) return;
      var total = cents(amount.value);
      if (total === null) { left.textContent = "—"; return; }
      var used = 0;
      inputs.forEach(function (i) { used += cents(i.value) || 0; });
      left.textContent = "¥" + yuan(total - used);
      left.classList.toggle("text-danger", total - used < 0);
    }
    function propose() {
      var rest = cents(amount.value);
      if (rest === null) return;
      inputs.forEach(function (i) {
        var owe = cents(i.dataset.outstanding) || 0;
        var take = Math.min(owe, rest);
        i.value = take > 0 ? yuan(take) : "";
        rest -= Math.max(take, 0);
      });
      update();
    }
    amount.addEventListener("input", function () { if (!touched) propose(); else update(); });
    inputs.forEach(function (i) { i.addEventListener("input", function () { touched = true; update(); }); });
    var btn = form.querySelector("[data-propose]");
    if (btn) btn.addEventListener("click", function () { touched = false; propose(); });
    if (!inputs.some(function (i) { return i.value; })) propose(); else { touched = true; update(); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-payment-form]").forEach(init);
  });
})();

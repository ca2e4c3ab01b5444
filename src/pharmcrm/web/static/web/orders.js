/* The order form: add/remove lines, the list price of a chosen product, live amounts.
   Server rules decide (web/views/orders.py, sales/services.py); this only helps typing. */
(function () {
  "use strict";
  const form = document.getElementById("order-form");
  if (!form) return;
  const body = document.getElementById("order-line-rows");
  const priceUrl = form.dataset.priceUrl;
  function num(v) { const n = parseFloat(String(v || "").replace(/,/g, "")); return isFinite(n) ? n : null; }
  function fmt(n) { return "¥" + n.toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2}); }
  function recompute() {
    let total = 0, any = false;
    body.querySelectorAll("tr.order-line").forEach(function (tr) {
      const q = num(tr.querySelector(".line-qty").value);
      const p = num(tr.querySelector(".line-price").value || tr.querySelector(".line-price").dataset.listPrice);
      const cell = tr.querySelector(".line-amount");
      if (q !== null && p !== null) {
        const a = Math.round(q * p * 100 + 1e-9) / 100;
        cell.textContent = fmt(a); total += a; any = true;
      } else { cell.textContent = "—"; }
    });
    document.getElementById("order-total").textContent = any ? fmt(total) : "—";
  }
  function fetchPrice(tr) {
    const sel = tr.querySelector(".line-product");
    const price = tr.querySelector(".line-price");
    if (!sel.value) return;
    fetch(priceUrl + "&product=" + encodeURIComponent(sel.value), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (!d) return;
        price.dataset.listPrice = d.price || "";
        if (!price.value && d.price) price.value = d.price;
        recompute();
      });
  }
  body.addEventListener("change", function (e) {
    const tr = e.target.closest("tr.order-line");
    if (tr && e.target.classList.contains("line-product")) { tr.querySelector(".line-price").value = ""; fetchPrice(tr); }
    recompute();
  });
  body.addEventListener("input", recompute);
  body.addEventListener("click", function (e) {
    const btn = e.target.closest(".line-remove");
    if (!btn) return;
    const rows = body.querySelectorAll("tr.order-line");
    const tr = btn.closest("tr");
    if (rows.length > 1) tr.remove();
    else { tr.querySelectorAll("input").forEach(function (i) { i.value = ""; }); }
    recompute();
  });
  document.getElementById("line-add").addEventListener("click", function () {
    const first = body.querySelector("tr.order-line");
    const tr = first.cloneNode(true);
    tr.querySelectorAll("input").forEach(function (i) { i.value = ""; i.classList.remove("is-invalid"); delete i.dataset.listPrice; });
    tr.querySelectorAll(".invalid-feedback, .select-search").forEach(function (x) { x.remove(); });
    const sel = tr.querySelector("select");
    delete sel.dataset.enhanced;
    sel.classList.remove("is-invalid");
    Array.prototype.slice.call(sel.options).forEach(function (o) { if (o.value) o.remove(); });
    sel.value = "";
    body.appendChild(tr);
    recompute();
    sel.focus();
  });
  recompute();
})();

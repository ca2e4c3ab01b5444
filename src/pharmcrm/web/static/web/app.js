/* pharmcrm web UI: small progressive enhancements. Everything works without it, just less smoothly. */
(function () {
  "use strict";

  function cookie(name) {
    const m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return cookie("csrftoken") || (input ? input.value : "");
  }

  /* htmx: send the CSRF token with every request */
  document.addEventListener("htmx:configRequest", function (evt) {
    evt.detail.headers["X-CSRFToken"] = csrfToken();
  });

  /* sidebar: collapse to icons (remembered) */
  const KEY = "pharmcrm.sidebar";
  function applySidebar() {
    const v = localStorage.getItem(KEY);
    document.body.classList.toggle("sidebar-collapsed", v === "collapsed");
    document.body.classList.toggle("sidebar-expanded", v === "expanded");
  }
  try { applySidebar(); } catch (e) { /* storage may be blocked */ }
  document.addEventListener("click", function (evt) {
    const btn = evt.target.closest("[data-action=toggle-sidebar]");
    if (!btn) return;
    const collapsedNow = document.querySelector(".app-sidebar").getBoundingClientRect().width < 100;
    try { localStorage.setItem(KEY, collapsedNow ? "expanded" : "collapsed"); applySidebar(); } catch (e) { /* ignore */ }
  });

  /* keyboard: Ctrl/⌘+K or "/" focuses the global search; Esc leaves it */
  document.addEventListener("keydown", function (evt) {
    const search = document.querySelector(".app-search input");
    if (!search) return;
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName) || document.activeElement.isContentEditable;
    if ((evt.key === "k" || evt.key === "K") && (evt.ctrlKey || evt.metaKey)) {
      evt.preventDefault(); search.focus(); search.select();
    } else if (evt.key === "/" && !typing) {
      evt.preventDefault(); search.focus();
    } else if (evt.key === "Escape" && document.activeElement === search) {
      search.blur();
    }
  });
  const kbd = document.querySelector(".app-search-kbd");
  if (kbd && /Mac|iPhone|iPad/.test(navigator.platform)) kbd.textContent = "⌘K";

  /* dialogs: native <dialog>, so Esc closes them */
  function openDialog(dlg) {
    if (dlg && !dlg.open) {
      dlg.showModal();
      const first = dlg.querySelector(".is-invalid, [aria-invalid=true], select, input:not([type=hidden]), textarea");
      if (first) first.focus();
    }
  }
  document.addEventListener("click", function (evt) {
    const opener = evt.target.closest("[data-open-dialog]");
    if (opener) { evt.preventDefault(); openDialog(document.getElementById(opener.dataset.openDialog)); return; }
    const closer = evt.target.closest("[data-close-dialog]");
    if (closer) { evt.preventDefault(); closer.closest("dialog").close(); return; }
    if (evt.target.tagName === "DIALOG" && evt.target.classList.contains("app-dialog")) {
      const r = evt.target.getBoundingClientRect();  // click on the backdrop closes
      if (evt.clientX < r.left || evt.clientX > r.right || evt.clientY < r.top || evt.clientY > r.bottom) evt.target.close();
    }
  });

  /* confirmations: <form data-confirm="what will happen" data-confirm-ok="label"> */
  function confirmThen(el, onOk) {
    const dlg = document.getElementById("confirm-dialog");
    if (!dlg) { if (window.confirm(el.dataset.confirm)) onOk(); return; }
    dlg.querySelector("[data-role=message]").textContent = el.dataset.confirm;
    const ok = dlg.querySelector("[data-role=ok]");
    if (!ok.dataset.defaultLabel) ok.dataset.defaultLabel = ok.textContent;
    ok.textContent = el.dataset.confirmOk || ok.dataset.defaultLabel;
    ok.className = "btn btn-sm btn-" + (el.dataset.confirmKind || "danger");
    dlg.returnValue = "";
    dlg.addEventListener("close", function handler() {
      dlg.removeEventListener("close", handler);
      if (dlg.returnValue === "ok") onOk();
    });
    dlg.showModal();
    ok.focus();
  }
  document.addEventListener("submit", function (evt) {
    const form = evt.target;
    if (!form.dataset || !form.dataset.confirm || form.hasAttribute("hx-post")) return;
    if (form.dataset.confirmed === "1") return;
    evt.preventDefault();
    confirmThen(form, function () { form.dataset.confirmed = "1"; form.requestSubmit ? form.requestSubmit() : form.submit(); });
  }, true);
  document.addEventListener("htmx:confirm", function (evt) {
    const el = evt.detail.elt;
    if (!el.dataset || !el.dataset.confirm) return;
    evt.preventDefault();
    confirmThen(el, function () { evt.detail.issueRequest(true); });
  });

  /* lists: a row click opens the detail; bulk selection */
  document.addEventListener("click", function (evt) {
    const row = evt.target.closest("tr[data-href]");
    if (!row || evt.target.closest("a, button, input, label, select, .col-check")) return;
    if (window.getSelection && String(window.getSelection()).length) return;  // selecting text
    if (evt.ctrlKey || evt.metaKey) window.open(row.dataset.href, "_blank"); else window.location = row.dataset.href;
  });
  function updateBulk() {
    const bar = document.querySelector("[data-bulk-bar]");
    if (!bar) return;
    const n = document.querySelectorAll("input[name=ids]:checked").length;
    bar.hidden = n === 0;
    bar.querySelector("[data-bulk-count]").textContent = n;
    const all = document.querySelector("[data-action=bulk-all]");
    const boxes = document.querySelectorAll("input[name=ids]");
    if (all) { all.checked = n > 0 && n === boxes.length; all.indeterminate = n > 0 && n < boxes.length; }
  }
  document.addEventListener("change", function (evt) {
    const t = evt.target;
    if (t.matches("[data-action=bulk-all]")) {
      document.querySelectorAll("input[name=ids]").forEach(function (b) { b.checked = t.checked; });
      updateBulk();
    } else if (t.matches("input[name=ids]")) {
      updateBulk();
    } else if (t.matches("select[data-apply-all]")) {
      const src = t.options[t.selectedIndex];
      document.querySelectorAll(t.dataset.applyAll).forEach(function (s) {
        if (src && src.value && !Array.prototype.some.call(s.options, function (o) { return o.value === src.value; })) {
          s.appendChild(new Option(src.text, src.value));  // remote selects hold only what was chosen
        }
        s.value = t.value;
      });
    }
    const tf = t.closest("[data-transfer-form]");
    if (tf) tf.querySelectorAll("[data-confirm-box]").forEach(function (b) { b.remove(); });
  });
  document.addEventListener("input", function (evt) {
    const tf = evt.target.closest && evt.target.closest("[data-transfer-form]");
    if (tf && !evt.target.classList.contains("select-search")) tf.querySelectorAll("[data-confirm-box]").forEach(function (b) { b.remove(); });
  });
  document.addEventListener("click", function (evt) {
    if (!evt.target.closest("[data-action=bulk-clear]")) return;
    document.querySelectorAll("input[name=ids], [data-action=bulk-all]").forEach(function (b) { b.checked = false; });
    updateBulk();
  });

  /* long selects (users): a filter box above them */
  function enhanceSelect(sel) {
    if (sel.dataset.enhanced || sel.options.length < 12) return;
    sel.dataset.enhanced = "1";
    const box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm select-search";
    box.placeholder = document.documentElement.lang.indexOf("zh") === 0 ? "输入以筛选…" : "Type to filter…";
    box.setAttribute("aria-label", box.placeholder);
    box.addEventListener("input", function () {
      const term = box.value.trim().toLowerCase();
      let first = null;
      Array.prototype.forEach.call(sel.options, function (o) {
        const show = !o.value || !term || o.text.toLowerCase().indexOf(term) !== -1;
        o.hidden = !show;
        if (show && o.value && !first) first = o;
      });
      if (term && first && (sel.selectedIndex < 0 || sel.options[sel.selectedIndex].hidden)) sel.value = first.value;
    });
    box.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
    sel.parentNode.insertBefore(box, sel);
  }

  /* remote selects: <select data-remote-options="/lookup/users/?..."> holds only the chosen option;
     a search box above it loads matches from the server as the user types (debounced). Optional:
     data-remote-prefix (option values are prefix + id) and an <optgroup data-remote-group> that
     receives the matches (other options, e.g. share groups, are filtered locally). */
  function enhanceRemote(sel) {
    if (sel.dataset.enhanced) return;
    sel.dataset.enhanced = "1";
    const zh = document.documentElement.lang.indexOf("zh") === 0;
    const url = sel.dataset.remoteOptions;
    const prefix = sel.dataset.remotePrefix || "";
    const group = sel.querySelector("optgroup[data-remote-group]");
    const box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm select-search";
    box.autocomplete = "off";
    box.placeholder = sel.dataset.remotePlaceholder || (zh ? "输入姓名搜索…" : "Type a name to search…");
    box.setAttribute("aria-label", box.placeholder);
    if (sel.id) box.setAttribute("aria-controls", sel.id);
    let timer = null, seq = 0, autoPicked = false;
    function render(items, term) {
      const keep = autoPicked ? "" : sel.value;
      const container = group || sel;
      Array.prototype.slice.call(container.querySelectorAll("option")).forEach(function (o) {
        if (o.value && o.value !== keep) o.remove();
      });
      items.forEach(function (it) {
        const value = prefix + it.id;
        if (value !== keep) container.appendChild(new Option(it.label, value));
      });
      const t = term.toLowerCase();
      if (group) {
        Array.prototype.forEach.call(sel.options, function (o) {
          if (o.parentNode !== group && o.value) o.hidden = !!t && o.text.toLowerCase().indexOf(t) === -1;
        });
      }
      if (autoPicked || !sel.value) {
        autoPicked = false;
        if (t) {
          const first = Array.prototype.find.call(sel.options, function (o) { return o.value && !o.hidden; });
          if (first) { sel.value = first.value; autoPicked = true; }
        } else {
          sel.value = "";
        }
      }
      box.setAttribute("aria-busy", "false");
    }
    function load() {
      const term = box.value.trim();
      const mine = ++seq;
      box.setAttribute("aria-busy", "true");
      fetch(url + (url.indexOf("?") === -1 ? "?" : "&") + "limit=20&q=" + encodeURIComponent(term),
            {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) { if (mine === seq) render(items || [], term); })
        .catch(function () { box.setAttribute("aria-busy", "false"); });
    }
    box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(load, 250); });
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer); load(); }
      else if (e.key === "ArrowDown") { e.preventDefault(); sel.focus(); }
    });
    sel.addEventListener("change", function () { autoPicked = false; });
    sel.parentNode.insertBefore(box, sel);
    load();
  }

  /* many remote selects on one page (a row each): the search box is added on first use */
  ["focusin", "pointerdown"].forEach(function (type) {
    document.addEventListener(type, function (evt) {
      const sel = evt.target.closest && evt.target.closest("select[data-remote-options][data-remote-lazy]");
      if (sel) enhanceRemote(sel);
    });
  });

  function init(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("select[data-search]").forEach(enhanceSelect);
    (root.querySelectorAll ? root : document).querySelectorAll("select[data-remote-options]:not([data-remote-lazy])").forEach(enhanceRemote);
    (root.querySelectorAll ? root : document).querySelectorAll("dialog[data-open]").forEach(openDialog);
    if (root.matches && root.matches("dialog[data-open]")) openDialog(root);
    updateBulk();
  }
  if (window.htmx) window.htmx.onLoad(init); else document.addEventListener("DOMContentLoaded", function () { init(document); });
})();

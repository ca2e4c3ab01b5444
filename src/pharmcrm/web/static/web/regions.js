/* The cascading region picker (pharmcrm.web.regions.RegionWidget): 省 → 市 → 区县.
   The server renders the three selects filled for the current value; this script loads the next
   level when one changes (GET web:region_children?parent=<code>, cached by the browser), offers a
   search box (?q=西湖区 → 浙江省 杭州市 西湖区), and submits the deepest chosen code as <name>.
   Without it the form still works (the server takes the deepest consistent select). */
(function () {
  "use strict";
  if (window.pharmcrmRegions) return;  // the widget's Media may be included more than once
  window.pharmcrmRegions = true;

  function selects(picker) {
    return Array.prototype.slice.call(picker.querySelectorAll("select[data-region-level]"));
  }
  function deepest(picker) {
    let value = "";
    selects(picker).forEach(function (s) { if (!s.hidden && s.value) value = s.value; });
    if (!value) {
      const cur = picker.querySelector("input[data-region-current]");
      if (cur) value = cur.value;
    }
    return value;
  }
  function get(picker, params) {
    const url = picker.dataset.regionUrl + "&" + params;
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }
  function showError(picker, on) {
    const box = picker.querySelector("[data-region-error]");
    if (box) box.hidden = !on;
  }
  function clearFrom(picker, index) {
    selects(picker).forEach(function (s, i) {
      if (i < index) return;
      while (s.options.length > 1) s.remove(1);
      Array.prototype.slice.call(s.querySelectorAll("optgroup")).forEach(function (g) { g.remove(); });
      s.value = "";
      s.hidden = true;
    });
  }
  function fill(picker, index, items, selected) {
    const s = selects(picker)[index];
    if (!s) return;
    clearFrom(picker, index);
    if (!items.length) return;
    const zh = document.documentElement.lang.indexOf("zh") === 0;
    const allCounty = items.every(function (it) { return it.level === 3; });
    const first = s.options[0];
    if (index === 1) {
      first.textContent = allCounty ? (zh ? "区/县" : "District / county") : (zh ? "市" : "City");
      s.setAttribute("aria-label", first.textContent);
    }
    const cities = items.filter(function (it) { return it.level === 2; });
    const direct = index === 1 && cities.length ? items.filter(function (it) { return it.level === 3; }) : [];
    function opt(it) {
      const o = new Option(it.name, it.code);
      if (it.leaf) o.dataset.leaf = "1";
      return o;
    }
    (direct.length ? cities : items).forEach(function (it) { s.appendChild(opt(it)); });
    if (direct.length) {
      const g = document.createElement("optgroup");
      g.label = zh ? "省直辖县级行政区" : "Administered directly by the province";
      direct.forEach(function (it) { g.appendChild(opt(it)); });
      s.appendChild(g);
    }
    s.value = selected || "";
    s.hidden = false;
  }
  let seq = 0;
  function load(picker, index, parent, selected) {
    const mine = ++seq;
    picker.setAttribute("aria-busy", "true");
    return get(picker, "parent=" + encodeURIComponent(parent)).then(function (data) {
      if (mine !== seq && !selected) return;
      fill(picker, index, data.items || [], selected);
      showError(picker, false);
    }).catch(function () {
      showError(picker, true);
    }).finally(function () {
      picker.setAttribute("aria-busy", "false");
    });
  }
  function changed(picker, s) {
    const index = +s.dataset.regionLevel;
    const cur = picker.querySelector("input[data-region-current]");
    if (cur) cur.remove();  // the user chose: the unknown saved code is replaced
    clearFrom(picker, index + 1);
    const o = s.options[s.selectedIndex];
    if (s.value && o && !o.dataset.leaf && index < 2) load(picker, index + 1, s.value);
  }
  /* choose a whole path (from the search box): load each level in turn */
  function choosePath(picker, path) {
    const sels = selects(picker);
    sels[0].value = path[0];
    let chain = Promise.resolve();
    path.slice(1).forEach(function (code, i) {
      chain = chain.then(function () { return load(picker, i + 1, path[i], code); });
    });
    chain = chain.then(function () {
      const last = sels[Math.min(path.length, sels.length) - 1];
      const o = last.options[last.selectedIndex];
      clearFrom(picker, path.length);
      if (o && o.value && !o.dataset.leaf && path.length < 3) return load(picker, path.length, o.value);
    });
    return chain;
  }

  document.addEventListener("change", function (evt) {
    const s = evt.target.closest && evt.target.closest("select[data-region-level]");
    if (!s) return;
    changed(s.closest("[data-region-picker]"), s);
  });

  /* the search box: type a name, pick a line ("浙江省 杭州市 西湖区") */
  function enhanceSearch(picker) {
    const box = picker.querySelector("input[data-region-search]");
    if (!box || box.dataset.ready) return;
    box.dataset.ready = "1";
    box.hidden = false;
    const list = document.getElementById(box.getAttribute("list"));
    let timer = null, hits = {}, mine = 0;
    function pick() {
      const hit = hits[box.value];
      if (!hit) return false;
      choosePath(picker, hit.path).then(function () {
        box.value = "";
        const sels = selects(picker);
        const target = sels[Math.min(hit.path.length, sels.length) - 1];
        if (target) target.focus();
      });
      return true;
    }
    box.addEventListener("input", function () {
      if (pick()) return;
      clearTimeout(timer);
      const term = box.value.trim();
      if (!term) { list.innerHTML = ""; return; }
      timer = setTimeout(function () {
        const n = ++mine;
        get(picker, "q=" + encodeURIComponent(term)).then(function (data) {
          if (n !== mine) return;
          list.innerHTML = "";
          hits = {};
          (data.items || []).forEach(function (it) {
            hits[it.label] = it;
            const o = document.createElement("option");
            o.value = it.label;
            list.appendChild(o);
          });
          pick();
        }).catch(function () { showError(picker, true); });
      }, 200);
    });
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();  // never submits the form; Enter on an exact match chooses it
        const only = Object.keys(hits);
        if (!pick() && only.length === 1) { box.value = only[0]; pick(); }
      }
    });
  }

  /* submit the chosen code as <name> (one clean URL parameter), not the three selects */
  document.addEventListener("formdata", function (evt) {
    evt.target.querySelectorAll("[data-region-picker]").forEach(function (picker) {
      const name = picker.dataset.regionPicker;
      [0, 1, 2].forEach(function (i) { evt.formData.delete(name + "_" + i); });
      evt.formData.delete(name + "_current");
      const value = deepest(picker);
      if (value || picker.closest("form").method.toLowerCase() === "post") evt.formData.set(name, value);
    });
  });

  function init() {
    document.querySelectorAll("[data-region-picker]").forEach(enhanceSearch);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
  document.addEventListener("htmx:load", init);
})();

/* 跟进日历: drag a planned follow-up to another day (HTML5 drag and drop) -> POST the
   reschedule (with the CSRF token) -> the entry moves. Each entry also has a small date form
   (keyboard, phones, no JavaScript), which this script leaves as a plain form POST. */
(function () {
  "use strict";
  const cal = document.querySelector("[data-calendar]");
  if (!cal) return;
  const status = document.querySelector("[data-testid=cal-status]");
  let dragged = null;

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function say(text, ok) {
    if (!status) return;
    status.textContent = text;
    status.className = "cal-status " + (ok ? "ok" : "err");
    status.hidden = false;
  }
  function clearOver() {
    cal.querySelectorAll(".drop-over").forEach((el) => el.classList.remove("drop-over"));
  }
  function dayOf(target) {
    return target instanceof Element ? target.closest(".cal-day[data-drop]") : null;
  }

  async function move(entry, day) {
    const date = day.dataset.date;
    if (!entry || (entry.dataset.date === date && !entry.classList.contains("cal-overdue"))) return;
    const form = entry.querySelector(".cal-move-form");
    const body = new URLSearchParams({ new_date: date });
    let data = null;
    try {
      const response = await fetch(form.action, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "X-CSRFToken": csrf(), "Accept": "application/json" },
      });
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!data || !data.ok) {
      say((data && data.message) || cal.dataset.errorText, false);
      return;
    }
    const from = entry.closest(".cal-day");
    day.querySelector(".cal-entries").appendChild(entry);
    entry.dataset.date = data.date;
    entry.classList.remove("cal-overdue");
    entry.classList.add("cal-moved");
    const tag = entry.querySelector(".cal-overdue-tag");
    if (tag) tag.remove();
    const input = form.querySelector("input[name=new_date]");
    if (input) input.value = data.date;
    [from, day].forEach((d) => {
      const n = d.querySelectorAll(".cal-entry").length;
      d.classList.toggle("cal-empty", n === 0);
      let badge = d.querySelector(".cal-day-count");
      if (!badge && n) {
        badge = document.createElement("span");
        badge.className = "cal-day-count";
        d.querySelector(".cal-day-head").appendChild(badge);
      }
      if (badge) badge.textContent = n ? String(n) : "";
    });
    say(data.message, true);
  }

  cal.addEventListener("dragstart", (e) => {
    const entry = e.target instanceof Element ? e.target.closest(".cal-entry") : null;
    if (!entry) return;
    dragged = entry;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", entry.dataset.customer);
    entry.classList.add("dragging");
  });
  cal.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearOver();
  });
  cal.addEventListener("dragover", (e) => {
    const day = dayOf(e.target);
    if (!day) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    if (!day.classList.contains("drop-over")) {
      clearOver();
      day.classList.add("drop-over");
    }
  });
  cal.addEventListener("dragleave", (e) => {
    const day = dayOf(e.target);
    if (day && !day.contains(e.relatedTarget)) day.classList.remove("drop-over");
  });
  cal.addEventListener("drop", (e) => {
    const day = dayOf(e.target);
    if (!day) return;
    e.preventDefault();
    clearOver();
    const id = e.dataTransfer.getData("text/plain") || (dragged && dragged.dataset.customer);
    const entry = id ? cal.querySelector('.cal-entry[data-customer="' + CSS.escape(id) + '"]') : null;
    move(entry, day);
  });
})();

/* 销售机会 kanban: drag a card to another stage column (HTML5 drag and drop) -> POST the move
   (with the CSRF token, Accept: application/json) -> the card moves and the counts follow, as
   the follow-up calendar does. A lost stage needs a reason: the server answers need_reason and
   we go to the opportunity page's form. Each card also has a plain "move to" form (keyboard,
   phones, no JavaScript), which this script leaves alone. */
(function () {
  "use strict";
  const board = document.querySelector("[data-kanban]");
  if (!board) return;
  const status = document.querySelector("[data-testid=board-status]");
  let dragged = null;

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function say(text, ok) {
    if (!status) return;
    status.textContent = text;
    status.className = "alert py-2 kanban-status " + (ok ? "alert-success" : "alert-danger");
    status.hidden = false;
  }
  function clearOver() { board.querySelectorAll(".drop-over").forEach((el) => el.classList.remove("drop-over")); }
  function colOf(target) { return target instanceof Element ? target.closest(".kanban-col[data-drop]") : null; }
  function recount(col) {
    const badge = col.querySelector("[data-count]");
    if (badge) badge.textContent = String(Math.max(0, parseInt(badge.textContent || "0", 10) + (col._delta || 0)));
    col._delta = 0;
  }

  async function move(card, col) {
    if (!card || card.closest(".kanban-col") === col) return;
    const form = card.querySelector(".kanban-move");
    if (!form) return;
    let data = null;
    try {
      const response = await fetch(form.action, {
        method: "POST", credentials: "same-origin", body: new URLSearchParams({ stage: col.dataset.stage }),
        headers: { "X-CSRFToken": csrf(), "Accept": "application/json" },
      });
      data = await response.json();
    } catch (e) { data = null; }
    if (data && data.need_reason && data.url) { window.location.href = data.url; return; }
    if (!data || !data.ok) { say((data && data.message) || board.dataset.errorText, false); return; }
    const from = card.closest(".kanban-col");
    col.querySelector(".kanban-cards").prepend(card);
    card.classList.add("moved");
    const prob = card.querySelector("[data-prob]");
    if (prob) prob.textContent = data.probability + "%";
    const select = form.querySelector("select[name=stage]");
    if (select) select.value = String(data.stage);
    from._delta = -1; col._delta = 1; recount(from); recount(col);
    say(data.message, true);
  }

  board.addEventListener("dragstart", (e) => {
    const card = e.target instanceof Element ? e.target.closest(".kanban-card[draggable=true]") : null;
    if (!card) return;
    dragged = card;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.opp);
    card.classList.add("dragging");
  });
  board.addEventListener("dragend", () => { if (dragged) dragged.classList.remove("dragging"); dragged = null; clearOver(); });
  board.addEventListener("dragover", (e) => {
    const col = colOf(e.target);
    if (!col) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    if (!col.classList.contains("drop-over")) { clearOver(); col.classList.add("drop-over"); }
  });
  board.addEventListener("dragleave", (e) => {
    const col = colOf(e.target);
    if (col && !col.contains(e.relatedTarget)) col.classList.remove("drop-over");
  });
  board.addEventListener("drop", (e) => {
    const col = colOf(e.target);
    if (!col) return;
    e.preventDefault();
    clearOver();
    const id = e.dataTransfer.getData("text/plain") || (dragged && dragged.dataset.opp);
    const card = id ? board.querySelector('.kanban-card[data-opp="' + CSS.escape(id) + '"]') : null;
    move(card, col);
  });
})();

// Kanban: drag a card to another column. The move is posted to the card's
// data-move-url (JSON answer); a refused move puts the card back and shows why.
(function () {
  "use strict";
  const board = document.querySelector("[data-kanban]");
  if (!board) return;
  const meta = document.querySelector('meta[name="csrf-token"]');
  const token = meta ? meta.content : "";
  const errorBox = document.querySelector("[data-kanban-error]");
  let dragged = null;

  function showError(message) {
    if (!errorBox) return;
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function addCount(column, delta) {
    const count = column.querySelector("[data-count]");
    if (count) count.textContent = String(parseInt(count.textContent, 10) + delta);
  }

  function columnOf(node) {
    return node && node.closest ? node.closest("[data-column]") : null;
  }

  board.addEventListener("dragstart", function (event) {
    const card = event.target.closest ? event.target.closest("[data-card][data-move-url]") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.id);
  });

  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
    dragged = null;
  });

  board.addEventListener("dragover", function (event) {
    const column = columnOf(event.target);
    if (!column || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("drop-target");
  });

  board.addEventListener("dragleave", function (event) {
    const column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });

  board.addEventListener("drop", function (event) {
    const column = columnOf(event.target);
    if (!column || !dragged) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    const card = dragged;
    dragged = null;
    card.classList.remove("dragging");
    const from = columnOf(card);
    if (from === column) return;
    move(card, from, column);
  });

  function move(card, from, to) {
    const parent = card.parentNode;
    const next = card.nextSibling;
    to.querySelector("[data-cards]").prepend(card);
    addCount(from, -1);
    addCount(to, 1);
    card.setAttribute("aria-busy", "true");
    const body = new URLSearchParams({ group_by: board.dataset.groupBy, value: to.dataset.column });
    fetch(card.dataset.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token, "Accept": "application/json",
                 "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok || !data.ok) {
          throw new Error(data.error || "The card could not be moved: reload the page and try again.");
        }
      });
    }).then(function () {
      showError("");
      card.dataset.moved = to.dataset.column;
      // the "Move to" form now offers the column the card came from
      const option = card.querySelector('select[name="value"] option[value="' + CSS.escape(to.dataset.column) + '"]');
      const title = from.querySelector("h2");
      if (option && title) {
        option.value = from.dataset.column;
        option.textContent = title.textContent;
      }
    }).catch(function (error) {
      parent.insertBefore(card, next);
      addCount(to, -1);
      addCount(from, 1);
      showError(error.message);
    }).finally(function () {
      card.removeAttribute("aria-busy");
    });
  }
})();

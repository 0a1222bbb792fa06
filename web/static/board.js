// The order board: drag a card to another column to move the order there.
// A drop is the order's ordinary status change on the server (same rules as the buttons on
// the order's page); the card moves at once and snaps back, with the server's reason shown,
// when the move is refused. A cancel column first asks the reason in a dialog. Each answer
// carries every column's count and sum under the page's filters, as the server counted them.
"use strict";
(() => {
  const board = document.querySelector(".board");
  if (!board) return;
  const banner = document.querySelector(".board-error");
  const dialog = document.querySelector("dialog.cancel-reason");
  let dragged = null;

  function say(message) {
    banner.textContent = message;
    banner.hidden = !message;
  }

  function refreshFigures(columns) {
    for (const figure of columns) {
      const column = board.querySelector(`.board-column[data-status="${CSS.escape(figure.status)}"]`);
      if (!column) continue;
      column.querySelector(".column-count").textContent = figure.count_text;
      column.querySelector(".column-sum").textContent = figure.sum_text;
    }
  }

  function askReason(card, column) {
    return new Promise((resolve) => {
      const form = dialog.querySelector("form");
      form.reset();
      dialog.querySelector(".dialog-title").textContent =
        `${card.querySelector(".order-number").textContent} → ${column.querySelector("h2").textContent}`;
      dialog.addEventListener("close", () => {
        resolve(dialog.returnValue === "confirm" ? form.elements.reason.value : null);
      }, { once: true });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  async function send(card, status, reason) {
    const query = board.dataset.filters ? `?${board.dataset.filters}` : "";
    const response = await fetch(`/api/v1/orders/board/move${query}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": board.dataset.csrf },
      body: JSON.stringify({ order: Number(card.dataset.order), status, reason }),
    });
    let answer = {};
    try { answer = await response.json(); } catch (error) { answer = {}; }
    if (!response.ok) {
      const fields = Object.values(answer.fields || {});
      throw new Error([answer.message || board.dataset.failed, ...fields].join(": "));
    }
    return answer;
  }

  async function move(card, column) {
    const home = { parent: card.parentElement, next: card.nextElementSibling };
    const status = column.dataset.status;
    let reason = "";
    if (column.dataset.kind === "cancel") {
      reason = await askReason(card, column);
      if (reason === null) return;  // the manager changed their mind: the card stays
    }
    card.dataset.busy = "1";
    column.querySelector(".board-cards").prepend(card);
    say("");
    try {
      const answer = await send(card, status, reason);
      card.dataset.status = status;
      if (column.dataset.kind !== "open") card.draggable = false;
      refreshFigures(answer.columns);
    } catch (error) {
      home.parent.insertBefore(card, home.next && home.next.parentElement === home.parent ? home.next : null);
      say(error.message);
    } finally {
      delete card.dataset.busy;
    }
  }

  // The card moves once its drag has ended (dragend, after the drop): a node moved while the
  // browser still drags it may never get its dragend, and the next drag would not start.
  let target = null;
  board.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".board-card");
    if (!card || card.draggable === false || card.dataset.busy) { event.preventDefault(); return; }
    dragged = card;
    target = null;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.order);
  });
  board.addEventListener("dragend", () => {
    board.querySelectorAll(".dragging, .drop-here").forEach((node) => {
      node.classList.remove("dragging", "drop-here");
    });
    const card = dragged;
    const column = target;
    dragged = target = null;
    if (card && column && column.dataset.status !== card.dataset.status) move(card, column);
  });
  // a column takes the card: both dragenter and dragover must say so, or the browser
  // hands the drag to the page behind and the drop never comes
  function offer(event) {
    const column = event.target.closest(".board-column");
    if (!column || !dragged || column.dataset.status === dragged.dataset.status) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("drop-here");
  }
  board.addEventListener("dragenter", offer);
  board.addEventListener("dragover", offer);
  board.addEventListener("dragleave", (event) => {
    const column = event.target.closest(".board-column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-here");
  });
  board.addEventListener("drop", (event) => {
    const column = event.target.closest(".board-column");
    if (!column || !dragged) return;
    event.preventDefault();
    target = column;
  });

  board.addEventListener("click", async (event) => {
    const more = event.target.closest("a.more[data-more]");
    if (!more) return;
    event.preventDefault();
    const response = await fetch(more.dataset.more, { credentials: "same-origin" });
    if (!response.ok) { say(board.dataset.failed); return; }
    more.insertAdjacentHTML("beforebegin", await response.text());
    more.remove();
  });
})();

/* Mengkeju review queue — keyboard shortcuts and bulk select. Version 1.1.0 (plain JS, no dependencies).
 *
 * Queue page (table#review-queue): j / k move the cursor, x toggles the row's checkbox, o or Enter opens
 * the side-by-side page (decisions are made there), Shift+A submits the selected rows for approval —
 * the server answers with a confirmation page (how many introductions, a note) before anything is sent;
 * "select all" toggles every row. The help line above the queue lists exactly these keys.  Match page (form#decision-form): a approve, r reject (the note is
 * focused first when empty), n next proposal, q back to the queue.  Without JavaScript every action is a
 * plain link or form.
 */
(function () {
  "use strict";

  function typing(event) {
    var el = event.target;
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function setupQueue(table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-match]"));
    var selectAll = document.getElementById("select-all");
    var bulkApprove = document.getElementById("bulk-approve");
    var cursor = -1;

    function move(to) {
      if (!rows.length) return;
      if (cursor >= 0) rows[cursor].classList.remove("cursor");
      cursor = Math.max(0, Math.min(rows.length - 1, to));
      rows[cursor].classList.add("cursor");
      rows[cursor].scrollIntoView({ block: "nearest" });
    }

    if (selectAll) {
      selectAll.addEventListener("change", function () {
        rows.forEach(function (row) {
          var box = row.querySelector(".select-row");
          if (box) box.checked = selectAll.checked;
        });
      });
    }

    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      var row = cursor >= 0 ? rows[cursor] : null;
      switch (event.key) {
        case "j": move(cursor + 1); break;
        case "k": move(cursor - 1); break;
        case "x":
          if (row) { var box = row.querySelector(".select-row"); if (box) box.checked = !box.checked; }
          break;
        case "o": case "Enter":
          if (!row) return;  // Enter on a focused link or button keeps its own meaning
          window.location.href = row.getAttribute("data-url");
          break;
        case "A":
          if (bulkApprove) bulkApprove.click();
          break;
        default: return;
      }
      event.preventDefault();
    });
  }

  function setupDecision(form) {
    var note = form.querySelector("textarea[name=note]");
    var approve = document.getElementById("approve-button");
    var reject = document.getElementById("reject-button");
    var next = document.getElementById("next-link");
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      switch (event.key) {
        case "a": if (approve) approve.click(); break;
        case "r":
          if (note && !note.value.trim()) note.focus();
          else if (reject) reject.click();
          break;
        case "n": if (next) window.location.href = next.href; break;
        case "q": window.location.href = form.getAttribute("data-queue") || "../../review/"; break;
        default: return;
      }
      event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("review-queue");
    if (table) setupQueue(table);
    var form = document.getElementById("decision-form");
    if (form) setupDecision(form);
  });
})();

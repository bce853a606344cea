/* matching-runs.js v1 — Mengkeju: live progress of a full matching run (plain JS, no dependencies).
 *
 * The runs page works without it (state at page load and a refresh link). With it, the section
 * #current-run polls data-status-url (JSON from matching:run_status) every 1.5 s, fills the elements
 * marked data-field="<key>", and reloads the page once the run is done or failed, so the history
 * table and the start button are up to date. */
(function () {
  "use strict";
  var INTERVAL_MS = 1500;
  var section = document.getElementById("current-run");
  if (!section || !section.dataset.statusUrl) return;
  var url = section.dataset.statusUrl;
  var failures = 0;

  section.querySelectorAll("[data-hide-when-live]").forEach(function (el) { el.hidden = true; });

  function show(state) {
    section.querySelectorAll("[data-field]").forEach(function (el) {
      var key = el.dataset.field;
      if (key === "progress") {
        el.value = state.progress_percent;
        el.textContent = state.progress_percent + " %";
      } else if (key in state) {
        el.textContent = state[key];
      }
    });
    var badge = section.querySelector(".badge");
    if (badge) badge.className = "badge " + state.status;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        show(state);
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, INTERVAL_MS);
        }
      })
      .catch(function () {
        failures += 1;
        if (failures < 10) window.setTimeout(poll, INTERVAL_MS * failures);
      });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();

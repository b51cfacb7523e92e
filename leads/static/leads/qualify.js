// Lead page: while a qualification run is under way, poll its JSON and fill in each check
// as it finishes; reload once the decision is in (the stage and history change with it).
(function () {
  "use strict";
  var box = document.getElementById("run");
  if (!box || box.dataset.active !== "true") return;
  var badges = { passed: "badge-ok", failed: "badge-bad" };

  function show(system, check, reference) {
    var row = box.querySelector('[data-check="' + system + '"]');
    if (!row) return;
    var badge = row.querySelector('[data-field="status"]');
    badge.textContent = check.status;
    badge.className = "badge " + (badges[check.status] || "badge-muted");
    row.querySelector('[data-field="latency"]').textContent =
      check.latency_ms === null ? "—" : Math.round(check.latency_ms) + " ms";
    var cell = row.querySelector('[data-field="reason"]');
    var reason = check.reason || "";
    cell.textContent = reason.charAt(0).toUpperCase() + reason.slice(1);
    if (check.status === "unavailable" && reference) {
      // What support needs to find the technical detail in the log.
      var note = document.createElement("span");
      note.className = "reference";
      note.dataset.field = "reference";
      note.append(" · reference for support ");
      var code = document.createElement("code");
      code.textContent = reference;
      note.append(code);
      cell.append(note);
    }
  }

  function poll() {
    fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (run) {
        ["registry", "archives", "scoring"].forEach(function (system) {
          show(system, run[system], run.reference);
        });
        document.getElementById("run-status").textContent = run.outcome || run.status;
        if (run.active) {
          setTimeout(poll, 300);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();

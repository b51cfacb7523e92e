// Lead page: while a qualification run is under way, poll its JSON and fill in each check
// as it finishes; reload once the decision is in (the stage and history change with it).
// The texts (labels, durations) come ready from the server (`shown`, core.present): the page
// reads the same whether the template or this script wrote it.
(function () {
  "use strict";
  var box = document.getElementById("run");
  if (!box || box.dataset.active !== "true") return;
  var badges = { passed: "badge-ok", failed: "badge-bad" };

  function show(system, check, shown, reference) {
    var row = box.querySelector('[data-check="' + system + '"]');
    if (!row) return;
    var badge = row.querySelector('[data-field="status"]');
    badge.textContent = shown.status;
    badge.className = "badge " + (badges[check.status] || "badge-muted");
    row.querySelector('[data-field="latency"]').textContent = shown.latency;
    var cell = row.querySelector('[data-field="reason"]');
    cell.textContent = shown.reason;
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
          show(system, run[system], run.shown.checks[system], run.reference);
        });
        document.getElementById("run-status").textContent = run.shown.status;
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

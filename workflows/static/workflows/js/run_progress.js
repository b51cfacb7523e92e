// Follow a run while its automatic steps run: poll its state, update the steps, and go to
// the result once it is complete (or reload to show what failed). Paused in hidden tabs.
(function () {
  var box = document.getElementById("wf-progress");
  if (!box) return;
  var initial = box.dataset.status;
  async function poll() {
    if (document.hidden) return;
    try {
      var response = await fetch(box.dataset.pollUrl, { credentials: "same-origin" });
      if (!response.ok) return;
      var state = await response.json();
      state.steps.forEach(function (step) {
        var item = box.querySelector('[data-step="' + step.id + '"]');
        if (!item) return;
        item.dataset.state = step.state;
        var badge = item.querySelector(".wf-step-state");
        if (badge) badge.textContent = step.state;
      });
      if (state.status === "completed") {
        window.location.assign(box.dataset.resultUrl);
      } else if (state.status !== initial) {
        window.location.reload();
      }
    } catch (error) {
      /* the next tick tries again */
    }
  }
  setInterval(poll, 1000);
})();

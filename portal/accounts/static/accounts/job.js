// The bulk job page: poll the job's progress until it is finished, then reload to show the results.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.getAttribute("data-finished") === "1") return;
  function poll() {
    fetch(box.getAttribute("data-progress"), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (p) {
        document.getElementById("job-bar").value = p.processed;
        document.getElementById("job-processed").textContent = p.processed;
        document.getElementById("job-done").textContent = p.done;
        document.getElementById("job-skipped").textContent = p.skipped;
        document.getElementById("job-status").textContent = p.status_label || p.status;
        if (p.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();

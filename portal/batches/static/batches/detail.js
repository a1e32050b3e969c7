(function () {
  var card = document.getElementById("progress-card");
  if (card.dataset.finished === "1") return;
  var fmt = function (n) { return n.toLocaleString(document.documentElement.lang || "en"); };
  var counts = document.getElementById("counts");
  var started = Date.now();
  function poll() {
    fetch(card.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (p) {
        document.getElementById("bar").value = p.percent;
        document.getElementById("percent").textContent = p.percent + "%";
        // The sentence is the page's (translated), the numbers the progress answer's.
        counts.textContent = counts.dataset.text.replace("{processed}", fmt(p.processed))
          .replace("{total}", fmt(p.total));
        ["succeeded", "failed", "existing", "invited"].forEach(function (k) {
          var el = document.getElementById("n-" + k); if (el) el.textContent = fmt(p[k]);
        });
        var status = document.getElementById("status");
        status.textContent = status.getAttribute("data-" + p.status) || p.status;
        status.className = "badge " + p.status;
        document.getElementById("waiting").classList.toggle("hidden", !(p.status === "queued" && Date.now() - started > 5000));
        if (p.finished) { window.location.reload(); } else { setTimeout(poll, 500); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 500);
})();

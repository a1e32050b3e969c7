// The Accounts screen's bulk bar: the action buttons work only on a choice — ticked accounts, or the
// explicit "All N matching" — and say what is chosen. (Without JavaScript the server refuses an
// empty choice with a message.)
(function () {
  "use strict";
  var form = document.getElementById("bulk");
  if (!form) return;
  var all = document.getElementById("select-all");
  var matching = document.getElementById("all-matching");
  var state = document.getElementById("selection-state");
  var buttons = form.querySelectorAll("[data-needs-selection]");
  function boxes() { return Array.prototype.slice.call(form.querySelectorAll('input[name="ids"]')); }
  function update() {
    var list = boxes();
    var ticked = list.filter(function (box) { return box.checked; }).length;
    var everything = !!(matching && matching.checked);
    Array.prototype.forEach.call(buttons, function (button) { button.disabled = !(ticked || everything); });
    if (all) {
      all.checked = list.length > 0 && ticked === list.length;
      all.indeterminate = ticked > 0 && ticked < list.length;
    }
    if (state) {
      // The texts are the span's data- attributes, translated by the template.
      state.textContent = everything
        ? state.getAttribute("data-all").replace("{count}", matching.getAttribute("data-label"))
        : ticked ? state.getAttribute("data-selected").replace("{count}", ticked)
        : state.getAttribute("data-none");
    }
  }
  if (all) {
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  form.addEventListener("change", update);
  window.addEventListener("pageshow", update);  // Back/forward cache keeps the ticks: show them right.
  update();
})();

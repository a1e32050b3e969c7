// Confirm pages of bulk actions: Delete of "all N matching" works only once N is typed.
(function () {
  "use strict";
  var typed = document.getElementById("typed-count");
  var button = document.getElementById("confirm-button");
  if (!typed || !button) return;
  var expected = typed.getAttribute("data-expected");
  function update() { button.disabled = typed.value.trim() !== expected; }
  typed.addEventListener("input", update);
  update();
})();

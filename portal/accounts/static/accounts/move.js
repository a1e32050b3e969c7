// The Move page: the Move button is disabled, with the article's message on hover and beside it,
// while the chosen destination lacks the numbers to onboard the pending accounts.
(function () {
  "use strict";
  var form = document.getElementById("move-form");
  var select = document.getElementById("destination");
  var button = document.getElementById("move-button");
  var wrap = document.getElementById("move-wrap");
  var note = document.getElementById("move-message");
  if (!form || !select || !button) return;
  var blocked = form.getAttribute("data-blocked") === "1";
  function update() {
    var option = select.options[select.selectedIndex];
    var chosen = option && option.value !== "";
    var enough = chosen && option.getAttribute("data-enough") === "1";
    var message = chosen && !enough ? option.getAttribute("data-message") : "";
    button.disabled = blocked || !enough;
    button.title = message;
    wrap.title = message;
    note.classList.toggle("hidden", !message);
  }
  select.addEventListener("change", update);
  update();
})();

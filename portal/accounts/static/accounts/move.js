(function () {
  var select = document.getElementById("destination");
  var button = document.getElementById("move-button");
  var wrap = document.getElementById("move-wrap");
  var note = document.getElementById("move-message");
  var blocked = document.getElementById("move-form").getAttribute("data-blocked") === "1";
  function update() {
    var option = select.options[select.selectedIndex];
    var chosen = option && option.value !== "";
    var enough = chosen && option.getAttribute("data-enough") === "1";
    var message = chosen && !enough ? option.getAttribute("data-message") : "";
    button.disabled = blocked || !enough;
    button.title = message;
    wrap.title = message;
    note.textContent = message;
    note.classList.toggle("hidden", !message);
  }
  select.addEventListener("change", update);
  update();
})();

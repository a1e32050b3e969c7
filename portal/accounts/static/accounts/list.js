(function () {
  var all = document.getElementById("select-all");
  if (!all) return;
  var boxes = function () { return document.querySelectorAll('#bulk input[name="ids"]'); };
  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
  });
  document.getElementById("bulk").addEventListener("change", function (event) {
    if (event.target.name !== "ids") return;
    var list = Array.prototype.slice.call(boxes());
    all.checked = list.length > 0 && list.every(function (box) { return box.checked; });
    all.indeterminate = !all.checked && list.some(function (box) { return box.checked; });
  });
})();

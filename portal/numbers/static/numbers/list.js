document.getElementById("select-all").addEventListener("change", function (e) {
  document.querySelectorAll('#numbers-form input[name="n"]').forEach(function (box) { box.checked = e.target.checked; });
});

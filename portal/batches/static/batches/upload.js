(function () {
  var org = document.getElementById("id_organization");
  var group = document.getElementById("id_permission_group");
  var link = document.getElementById("template-link");
  var help = document.getElementById("template-help");
  function sync() {
    var orgId = org.value;
    Array.prototype.forEach.call(group.options, function (o) {
      if (!o.value) return;
      var mine = o.dataset.org === orgId;
      o.hidden = !mine; o.disabled = !mine;
      if (!mine && o.selected) group.value = "";
    });
    if (orgId && !group.value) {
      var first = Array.prototype.find.call(group.options, function (o) { return o.value && !o.disabled && /\(default\)$/.test(o.textContent); });
      if (first) group.value = first.value;
    }
    var slug = org.selectedOptions[0] && org.selectedOptions[0].dataset.slug;
    var g = group.selectedOptions[0] && group.selectedOptions[0].dataset.name;
    if (slug && g) {
      link.href = link.dataset.base + "?organization=" + encodeURIComponent(slug) + "&permission_group=" + encodeURIComponent(g);
      link.classList.remove("disabled"); help.textContent = "";
    } else {
      link.removeAttribute("href"); link.classList.add("disabled");
      help.textContent = "Choose the organization and User Permissions first.";
    }
  }
  org.addEventListener("change", sync); group.addEventListener("change", sync); sync();
})();

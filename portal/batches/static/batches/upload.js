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
    // The general template (every column) until an organization and a group are chosen below;
    // then the template of that organization, with its columns only.
    if (slug && g) {
      link.href = link.dataset.base + "?organization=" + encodeURIComponent(slug) + "&permission_group=" + encodeURIComponent(g);
      help.textContent = "The template of " + org.selectedOptions[0].textContent + ", User Permissions " + g + ".";
    } else {
      link.href = link.dataset.base;
      help.textContent = "Every column; choose the organization below for a template with its columns only.";
    }
  }
  org.addEventListener("change", sync); group.addEventListener("change", sync); sync();
})();

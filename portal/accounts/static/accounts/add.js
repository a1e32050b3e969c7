(function () {
  var org = document.getElementById("id_organization");
  if (org) org.addEventListener("change", function () {
    if (org.value) window.location.search = "?organization=" + encodeURIComponent(org.value);
  });
  var social = document.getElementById("id_social_messaging");
  var restrict = document.getElementById("id_restrict_incoming_social_messaging");
  if (social && restrict) {
    var follow = function () {
      restrict.disabled = !social.checked;
      if (!social.checked) restrict.checked = false;
      restrict.closest(".field").classList.toggle("muted", !social.checked);
    };
    social.addEventListener("change", follow);
    follow();
  }
  var link = document.getElementById("assign-link");
  if (link) link.addEventListener("click", function (event) {
    event.preventDefault();
    document.getElementById("assign-number").classList.remove("hidden");
    link.classList.add("hidden");
    document.getElementById("id_assign").focus();
  });
})();

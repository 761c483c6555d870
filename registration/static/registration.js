// Fills the time zone from the chosen economy, unless the registrant has typed their own.
(function () {
  "use strict";
  var holder = document.getElementById("economy-zones");
  var economy = document.getElementById("economy_id");
  var zone = document.getElementById("timezone");
  if (!holder || !economy || !zone) { return; }
  var zones = JSON.parse(holder.getAttribute("data-zones") || "{}");
  var suggested = zones[economy.value] || "";
  economy.addEventListener("change", function () {
    var next = zones[economy.value] || "";
    if (!zone.value || zone.value === suggested) { zone.value = next; }
    suggested = next;
  });
})();

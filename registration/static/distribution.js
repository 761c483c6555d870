// Keeps the delivery table of the circular current while the outbox drains.
(function () {
  "use strict";
  var table = document.getElementById("progress");
  if (!table) { return; }
  var url = table.getAttribute("data-url");
  var statuses = ["queued", "sending", "sent", "failed"];

  function row(economy) {
    var rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-economy") === economy) { return rows[i]; }
    }
    var tr = table.tBodies[0].insertRow(-1);
    tr.setAttribute("data-economy", economy);
    var th = document.createElement("th");
    th.scope = "row";
    th.textContent = economy;
    tr.appendChild(th);
    statuses.forEach(function (status) {
      var td = tr.insertCell(-1);
      td.setAttribute("data-status", status);
    });
    return tr;
  }

  function refresh() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var waiting = 0;
        data.economies.forEach(function (entry) {
          var tr = row(entry.economy);
          statuses.forEach(function (status) {
            var cell = tr.querySelector('[data-status="' + status + '"]');
            var value = String(entry[status] || 0);
            if (cell.textContent !== value) { cell.textContent = value; }
          });
          waiting += (entry.queued || 0) + (entry.sending || 0);
        });
        if (waiting > 0) { window.setTimeout(refresh, 3000); }
      })
      .catch(function () { window.setTimeout(refresh, 10000); });
  }

  refresh();
})();

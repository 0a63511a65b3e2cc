// The web UI's only script: copy buttons, forms that save on change, and the live tail of the logs.
// Served from the gateway itself; the pages' Content-Security-Policy allows no other script.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  document.querySelectorAll("form[data-autosubmit] input[type=checkbox]").forEach(function (box) {
    box.addEventListener("change", function () { box.form.submit(); });
  });

  // New interactions arrive as server-sent events carrying a table row the server rendered (and escaped).
  var rows = document.getElementById("log-rows");
  if (rows && rows.dataset.liveSrc && window.EventSource) {
    var status = document.getElementById("live-status");
    var source = new EventSource(rows.dataset.liveSrc);
    source.addEventListener("row", function (event) {
      var template = document.createElement("template");
      template.innerHTML = event.data.trim();
      var row = template.content.firstElementChild;
      if (!row || row.tagName !== "TR" || rows.querySelector('tr[data-id="' + row.dataset.id + '"]')) return;
      row.classList.add("fresh");
      rows.insertBefore(row, rows.firstChild);
      var empty = document.getElementById("no-rows");
      if (empty) empty.remove();
      var count = document.getElementById("log-count");
      if (count && count.dataset.count) {
        var total = Number(count.dataset.count) + 1;
        count.dataset.count = String(total);
        count.textContent = total.toLocaleString("en-US") + (total === 1 ? " interaction" : " interactions");
      }
    });
    source.onerror = function () { if (status) status.textContent = "reconnecting"; };
    source.onopen = function () { if (status) status.textContent = "live"; };
  }
})();

// The queue refreshes itself: fetch the table fragment every N seconds and swap it in.
(function () {
  "use strict";
  var box = document.getElementById("queue");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-refresh-url");
  var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10) || 30;
  function refresh() {
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) {
        if (r.redirected || !r.ok) { window.location.reload(); return null; }
        return r.text();
      })
      .then(function (html) {
        if (html === null) return;
        box.innerHTML = html;
        box.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { /* offline: try again at the next tick */ });
  }
  window.sladeskRefreshQueue = refresh; // for the browser tests, and for the console
  document.documentElement.setAttribute("data-queue-js", "ready"); // for the browser tests
  setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();

// Single-key shortcuts: "/" search, "?" lists them, j/k move in the queue (Enter opens, x
// selects), r replies on a ticket (ticket.js). None fires while typing in a field.
(function () {
  "use strict";
  function typing(e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || !t) return true;
    var tag = t.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || t.isContentEditable;
  }
  window.sladeskTyping = typing;
  document.documentElement.setAttribute("data-keys", "ready"); // for the browser tests

  var help = document.getElementById("shortcuts-help");
  var queue = document.getElementById("queue");
  var current = null; // the ticket number of the queue's current row

  function rows() { return queue ? Array.prototype.slice.call(queue.querySelectorAll("tbody tr[data-ticket]")) : []; }
  function mark() {
    rows().forEach(function (tr) { tr.classList.toggle("current", tr.getAttribute("data-ticket") === current); });
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var at = all.findIndex(function (tr) { return tr.getAttribute("data-ticket") === current; });
    var next = all[Math.max(0, Math.min(all.length - 1, at < 0 ? 0 : at + step))];
    current = next.getAttribute("data-ticket");
    mark();
    next.scrollIntoView({ block: "nearest" });
  }
  function currentRow() { return rows().find(function (tr) { return tr.getAttribute("data-ticket") === current; }); }
  if (queue && window.MutationObserver) new MutationObserver(mark).observe(queue, { childList: true });

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && help && !help.hidden) { help.hidden = true; return; }
    if (typing(e)) return;
    if (e.key === "/") {
      var search = document.querySelector("header input[type=search]");
      if (search) { e.preventDefault(); search.focus(); search.select(); }
    } else if (e.key === "?") {
      if (help) { e.preventDefault(); help.hidden = !help.hidden; }
    } else if (queue && (e.key === "j" || e.key === "k")) {
      e.preventDefault();
      move(e.key === "j" ? 1 : -1);
    } else if (queue && (e.key === "Enter" || e.key === "o") && current) {
      var row = currentRow();
      var link = row && row.querySelector("td.subject a");
      if (link) { e.preventDefault(); window.location.href = link.href; }
    } else if (queue && e.key === "x" && current) {
      var box = currentRow() && currentRow().querySelector("input[type=checkbox]");
      if (box) { e.preventDefault(); box.click(); }
    }
  });
  if (help) {
    var close = help.querySelector("button");
    if (close) close.addEventListener("click", function () { help.hidden = true; });
  }
})();

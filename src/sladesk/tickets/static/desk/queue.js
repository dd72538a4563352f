// The queue refreshes itself: fetch the table fragment every N seconds and swap it in, without
// moving keyboard focus (the focused link or checkbox is focused again in the new table), never
// while the agent is working in the filters (a control focused, or typed in the last seconds),
// and telling screen readers only what changed (#queue-news, a short summary) instead of the table.
(function () {
  "use strict";
  var box = document.getElementById("queue");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-refresh-url");
  var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10) || 30;
  var news = document.getElementById("queue-news");
  var filters = document.querySelector("form.filters");
  var typedAt = 0;
  var TYPING_MS = 5000;
  var count = 0;
  if (filters) {
    filters.addEventListener("input", function () { typedAt = Date.now(); });
    filters.addEventListener("change", function () { typedAt = Date.now(); });
  }

  function busy() {
    var active = document.activeElement;
    return (filters && active && filters.contains(active) && active !== filters.querySelector("button[type=submit]")) ||
      Date.now() - typedAt < TYPING_MS;
  }

  function tickets() {
    var seen = {};
    box.querySelectorAll("tr[data-ticket]").forEach(function (tr) {
      seen[tr.getAttribute("data-ticket")] = tr.classList.contains("late");
    });
    return seen;
  }

  function where(el) {  // the focused element's place: its row and which control of it
    var tr = el && box.contains(el) ? el.closest("tr[data-ticket]") : null;
    if (!tr) return null;
    var all = Array.prototype.slice.call(tr.querySelectorAll("a, input, button"));
    return { ticket: tr.getAttribute("data-ticket"), index: all.indexOf(el) };
  }

  function refocus(place) {
    if (!place) return;
    var tr = box.querySelector('tr[data-ticket="' + place.ticket + '"]');
    var all = tr ? tr.querySelectorAll("a, input, button") : [];
    var el = all[place.index] || all[0];
    if (el) el.focus({ preventScroll: true });
  }

  function say(key, n) {
    return news.getAttribute("data-" + key + (n === 1 ? "-one" : "-many")).replace("{n}", String(n));
  }

  function summary(before, after) {
    var added = 0, gone = 0, late = 0;
    Object.keys(after).forEach(function (k) {
      if (!(k in before)) added++;
      else if (after[k] && !before[k]) late++;
    });
    Object.keys(before).forEach(function (k) { if (!(k in after)) gone++; });
    var parts = [];
    if (added) parts.push(say("added", added));
    if (gone) parts.push(say("gone", gone));
    if (late) parts.push(say("late", late));
    return parts.join(" · ");
  }

  function counts() {  // the views' counts, from the new table's hidden copy
    box.querySelectorAll("#view-counts [data-view]").forEach(function (i) {
      var c = document.querySelector('nav.views a[data-view="' + i.getAttribute("data-view") + '"] .count');
      if (c) c.textContent = i.getAttribute("data-count");
    });
  }

  function refresh() {
    if (document.hidden) return;
    if (busy()) { box.setAttribute("data-refresh-paused", String(++count)); return; }
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) {
        if (r.redirected || !r.ok) { window.location.reload(); return null; }
        return r.text();
      })
      .then(function (html) {
        if (html === null) return;
        if (busy()) { box.setAttribute("data-refresh-paused", String(++count)); return; }
        var before = tickets();
        var place = where(document.activeElement);
        box.innerHTML = html;
        refocus(place);
        counts();
        var text = summary(before, tickets());
        if (news && text) news.textContent = text;
        box.setAttribute("data-refreshed", String(++count));
      })
      .catch(function () { /* offline: try again at the next tick */ });
  }
  window.sladeskRefreshQueue = refresh; // for the browser tests, and for the console
  document.documentElement.setAttribute("data-queue-js", "ready"); // for the browser tests
  setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();

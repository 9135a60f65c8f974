/* The overview's auto-refresh: reads status.json every REFRESH_SECONDS and updates the tiles in
   place; "Pause" stops it (remembered in this browser). No library, nothing loaded from outside. */
(function () {
  "use strict";
  var refresh = document.querySelector("[data-refresh]");
  if (!refresh) { return; }
  var seconds = parseInt(refresh.getAttribute("data-refresh"), 10) || 0;
  var url = refresh.getAttribute("data-status-url");
  var pause = document.querySelector("[data-pause]");
  var key = "dashboard.refresh.paused";
  var labels = { ok: "Everything is fine", warning: "Needs attention", error: "Something is wrong", unknown: "Nothing to judge yet" };
  var timer = null;

  function setState(element, state) {
    element.className = element.className.replace(/\bstate-\w+/g, "").trim() + " state-" + state;
  }

  function render(payload) {
    var data = payload.data || {};
    (data.tiles || []).forEach(function (tile) {
      var element = document.querySelector('[data-tile="' + tile.key + '"]');
      if (!element) { return; }
      setState(element, tile.state);
      element.querySelector("[data-value]").textContent = tile.value;
      element.querySelector("[data-detail]").textContent = tile.detail;
    });
    var overall = document.querySelector("[data-overall]");
    if (overall && data.state) {
      setState(overall, data.state);
      overall.querySelector("[data-overall-label]").textContent = labels[data.state] || data.state;
    }
    var updated = document.querySelector("[data-updated]");
    if (updated && data.generated_at) {
      updated.setAttribute("datetime", data.generated_at);
      updated.textContent = data.generated_at.substring(11, 19);
    }
    document.body.setAttribute("data-refreshed", String(Date.now()));
  }

  function load() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(render)
      .catch(function () { /* keep the last figures; the next round tries again */ });
  }

  function schedule() {
    if (timer) { clearInterval(timer); timer = null; }
    var paused = window.localStorage.getItem(key) === "1";
    if (pause) {
      pause.setAttribute("aria-pressed", paused ? "true" : "false");
      pause.textContent = paused ? "Resume" : "Pause";
    }
    if (seconds > 0 && !paused) { timer = setInterval(load, seconds * 1000); }
  }

  if (pause) {
    pause.addEventListener("click", function () {
      var paused = window.localStorage.getItem(key) === "1";
      window.localStorage.setItem(key, paused ? "0" : "1");
      schedule();
    });
  }
  schedule();
})();

// Live progress of a running sync: poll the fragment while a run is active, then reload
// once so the page shows the finished run's counts. No framework needed for this.
(function () {
  "use strict";
  function poll(box) {
    var url = box.getAttribute("data-poll");
    var wasActive = box.getAttribute("data-active") === "1";
    if (!url || !wasActive) { return; }
    var timer = window.setInterval(function () {
      fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          var holder = document.createElement("div");
          holder.innerHTML = html.trim();
          var fresh = holder.querySelector("#sync-progress");
          if (!fresh) { return; }
          box.innerHTML = fresh.innerHTML;
          if (fresh.getAttribute("data-active") !== "1") {
            window.clearInterval(timer);
            window.location.reload();
          }
        })
        .catch(function () { /* a missed poll is retried on the next tick */ });
    }, 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("[data-poll]");
    for (var i = 0; i < boxes.length; i++) { poll(boxes[i]); }
  });
})();

/* The export status page (cohorts/export_status.html): asks the server for the job's state
   every 2 seconds and updates the live region in place, until the file is ready or the job
   has failed. Without this script the page still works: "Check again" reloads it. */
(function () {
  "use strict";

  var INTERVAL_MS = 2000;
  var MAX_ERRORS = 5;
  var FINAL = { ready: true, failed: true };

  var region = document.querySelector("[data-export-status]");
  if (!region || !window.fetch) {
    return;
  }
  var url = region.getAttribute("data-poll-url");
  var state = region.getAttribute("data-state");
  if (FINAL[state]) {
    return;
  }

  var label = region.querySelector("[data-export-label]");
  var bar = region.querySelector("progress");
  var percent = region.querySelector("[data-export-percent]");
  var message = region.querySelector("[data-export-message]");
  var download = region.querySelector("[data-export-download]");
  var filename = region.querySelector("[data-export-filename]");
  var check = document.querySelector("[data-export-check]");
  var errors = 0;

  function setText(node, text) {
    if (node && node.textContent !== text) {
      node.textContent = text;
    }
  }

  function update(data) {
    if (data.status !== state) {
      region.classList.remove("export-status--" + state);
      region.classList.add("export-status--" + data.status);
      region.setAttribute("data-state", data.status);
      state = data.status;
    }
    setText(label, data.status_label);
    setText(message, data.message);
    if (bar) {
      bar.value = data.progress;
      setText(bar, data.progress_text);
    }
    setText(percent, data.progress_text);
    if (data.download_url && download) {
      download.querySelector("a").setAttribute("href", data.download_url);
      setText(filename, data.filename || "");
      download.hidden = false;
    }
    if (FINAL[data.status] && check) {
      check.hidden = true;
    }
  }

  function schedule() {
    window.setTimeout(poll, INTERVAL_MS);
  }

  function poll() {
    window
      .fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        errors = 0;
        update(data);
        if (!FINAL[data.status]) {
          schedule();
        }
      })
      .catch(function () {
        // A dropped connection: try a few more times, then leave "Check again" to the reader.
        errors += 1;
        if (errors < MAX_ERRORS) {
          schedule();
        }
      });
  }

  schedule();
})();

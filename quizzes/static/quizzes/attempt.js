// Saves a quiz attempt's answers as the learner goes, shows the time left and submits when
// it is up. The server is the judge of time and answers; without this script the form's
// own buttons save and submit.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form || !window.fetch || !window.FormData) return;
  var status = document.getElementById("save-status");
  var msg = form.dataset;
  var timer = null;
  var dirty = false;
  var inflight = false;
  var submitting = false;
  var failures = 0;

  function say(text) { if (status) status.textContent = text; }
  function clock(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function save() {
    if (submitting) return;
    if (inflight) { dirty = true; return; }
    inflight = true;
    dirty = false;
    var data = new FormData(form);
    say(msg.msgSaving);
    fetch(msg.saveUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, code: response.status, body: body }; });
    }).then(function (result) {
      inflight = false;
      if (result.ok) {
        failures = 0;
        say(msg.msgSaved.replace("%(time)s", clock(new Date(result.body.saved_at))));
      } else if (result.code === 409 && result.body.review_url) {
        submitting = true;
        window.location.assign(result.body.review_url);
        return;
      } else {
        say(result.body.error || msg.msgOffline);
      }
      if (dirty) schedule(600);
    }).catch(function () {
      inflight = false;
      dirty = true;
      failures = Math.min(failures + 1, 5);
      say(msg.msgOffline);
      schedule(1000 * Math.pow(2, failures));
    });
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, delay);
  }

  form.addEventListener("change", function () { dirty = true; schedule(400); });
  form.addEventListener("input", function () { dirty = true; schedule(1200); });
  window.addEventListener("online", function () { if (dirty) save(); });
  window.addEventListener("beforeunload", function (event) {
    if ((dirty || inflight) && !submitting) { event.preventDefault(); event.returnValue = ""; }
  });
  form.addEventListener("submit", function () { submitting = true; window.clearTimeout(timer); });

  var left = document.getElementById("time-left");
  if (!left) return;
  var warning = document.getElementById("time-warning");
  var deadline = Date.parse(left.dataset.deadline);
  var skew = Date.parse(left.dataset.now) - Date.now(); // server clock minus this one
  var warned = {};
  left.hidden = false;
  function tick() {
    var remaining = Math.max(0, deadline - (Date.now() + skew));
    var seconds = Math.floor(remaining / 1000);
    var text = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    left.textContent = msg.msgLeft.replace("%(time)s", text);
    if (seconds <= 300 && seconds > 60 && !warned.five) { warned.five = true; warning.textContent = msg.msgFive; }
    if (seconds <= 60 && seconds > 0 && !warned.one) { warned.one = true; warning.textContent = msg.msgOne; }
    if (remaining <= 0 && !submitting) {
      warning.textContent = msg.msgUp;
      submitting = true;
      HTMLFormElement.prototype.submit.call(form);
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
})();

/* Autocomplete for the guidance search box (ARIA 1.2 combobox with a listbox popup).

   Progressive: without this script the box is a plain search field in a GET form. With it,
   after two characters (debounced) the box asks /search/suggest/ and lists the answers
   under the input. Down/Up move through them (aria-activedescendant), Enter opens the
   chosen one (or searches, when none is chosen), Escape closes the list, then clears the
   box. A polite status line says how many suggestions there are. No inline script: the
   endpoint and the words come from the form's data attributes. */
(function () {
  "use strict";

  var MIN_LENGTH = 2;
  var DELAY_MS = 250;

  function init(form) {
    var input = form.querySelector("input[type=search]");
    var endpoint = form.getAttribute("data-suggest-url");
    if (!input || !endpoint || !window.fetch) return;

    var kindLabels = {};
    var labelsNode = document.getElementById("search-kind-labels");
    if (labelsNode) {
      try { kindLabels = JSON.parse(labelsNode.textContent); } catch (e) { kindLabels = {}; }
    }

    var listId = input.id + "-suggestions";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", form.getAttribute("data-suggest-label") || "");
    list.hidden = true;
    input.parentNode.appendChild(list);

    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.parentNode.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var items = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var lastAsked = "";

    function say(count) {
      var text;
      if (count === 0) text = form.getAttribute("data-suggest-status-none") || "";
      else if (count === 1) text = form.getAttribute("data-suggest-status-one") || "";
      else text = (form.getAttribute("data-suggest-status-many") || "").replace("{count}", count);
      status.textContent = text;
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.children;
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function go(index) {
      var item = items[index];
      if (item && item.url) window.location.assign(item.url);
    }

    function render(suggestions) {
      items = suggestions;
      list.textContent = "";
      suggestions.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = listId + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var text = document.createElement("span");
        text.className = "suggestion-text";
        text.textContent = item.text;
        option.appendChild(text);
        if (kindLabels[item.kind]) {
          var kind = document.createElement("span");
          kind.className = "suggestion-kind";
          kind.textContent = kindLabels[item.kind];
          option.appendChild(document.createTextNode(" "));
          option.appendChild(kind);
        }
        // mousedown, not click: the input keeps focus, so the list does not close first.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          go(index);
        });
        list.appendChild(option);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (suggestions.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
      say(suggestions.length);
    }

    function ask() {
      var text = input.value.trim();
      if (text.length < MIN_LENGTH) {
        lastAsked = "";
        render([]);
        status.textContent = "";
        return;
      }
      if (text === lastAsked) return;
      lastAsked = text;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var url = endpoint + "?q=" + encodeURIComponent(text);
      fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          if (input.value.trim() === text) render(data.suggestions || []);
        })
        .catch(function () { /* offline or aborted: the form still works */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && items.length > 0;
      switch (event.key) {
        case "ArrowDown":
          if (!items.length) return;
          event.preventDefault();
          if (!open) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
          highlight(active + 1 >= items.length ? 0 : active + 1);
          break;
        case "ArrowUp":
          if (!items.length) return;
          event.preventDefault();
          if (!open) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
          highlight(active <= 0 ? items.length - 1 : active - 1);
          break;
        case "Enter":
          if (open && active >= 0) {
            event.preventDefault();
            go(active);
          }
          // otherwise the form submits: a full search for what was typed
          break;
        case "Escape":
          if (open) {
            event.preventDefault();
            close();
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
            lastAsked = "";
            items = [];
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    input.addEventListener("blur", close);
    input.addEventListener("focus", function () {
      if (items.length && input.value.trim() === lastAsked) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    });
  }

  function start() {
    var forms = document.querySelectorAll("form[data-suggest-url]");
    for (var i = 0; i < forms.length; i++) init(forms[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

// Clausewright web form: progressive enhancement only. Without this file every
// feature still works through ordinary form posts.
//
// - focuses the error summary after a submit with errors, and its links the fields;
// - updates the preview pane as the user types (debounced; only the pane is replaced,
//   so focus stays in the form and the pane keeps its scroll position), and clears
//   the last submit's errors once the answers draft cleanly;
// - updates the element panel when the element changes;
// - unfolds the report's folded sections for printing.
(function () {
  "use strict";

  var PREVIEW_DELAY_MS = 400;
  var ELEMENT_DELAY_MS = 250;

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      if (timer !== null) {
        window.clearTimeout(timer);
      }
      timer = window.setTimeout(function () {
        timer = null;
        fn();
      }, wait);
    };
  }

  // Focus the error summary after a submit with errors. Its links, and those of the
  // preview's list of answers it waits for, move the focus to their field (a plain
  // in-page link would only scroll), with the field's label in view.
  function errorLinks() {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) {
      summary.focus();
    }
    document.addEventListener("click", function (event) {
      var link = event.target.closest
        ? event.target.closest(".error-summary a[href^='#'], .preview-waiting a[href^='#']")
        : null;
      var target = link ? document.getElementById(link.getAttribute("href").slice(1)) : null;
      if (!target || typeof target.focus !== "function") {
        return;
      }
      event.preventDefault();
      var label = document.querySelector("label[for='" + target.id + "']");
      (label || target).scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    });
  }

  // Once the answers draft cleanly, the errors of the last submit are stale: remove
  // them (messages, invalid states, the summary) so the page does not contradict itself.
  function clearErrors(form) {
    var messages = form.querySelectorAll(".error-message");
    for (var i = 0; i < messages.length; i++) {
      messages[i].parentNode.removeChild(messages[i]);
    }
    var invalid = form.querySelectorAll("[aria-invalid='true']");
    for (var j = 0; j < invalid.length; j++) {
      invalid[j].removeAttribute("aria-invalid");
    }
    var described = form.querySelectorAll("[aria-describedby]");
    for (var k = 0; k < described.length; k++) {
      var ids = described[k].getAttribute("aria-describedby").split(" ").filter(function (id) {
        return id && !/-error$/.test(id);
      });
      if (ids.length) {
        described[k].setAttribute("aria-describedby", ids.join(" "));
      } else {
        described[k].removeAttribute("aria-describedby");
      }
    }
    var blocks = form.querySelectorAll(".has-error");
    for (var m = 0; m < blocks.length; m++) {
      blocks[m].classList.remove("has-error");
    }
    var summary = document.getElementById("error-summary");
    if (summary && !document.getElementById("f-answers-file-error")) {
      summary.parentNode.removeChild(summary);
    }
    document.title = document.title.replace(/^Error: /, "");
  }

  function livePreview(form, pane) {
    var content = document.getElementById("preview-content");
    var status = document.getElementById("preview-status");
    if (!content || !window.fetch || !window.URLSearchParams || !window.FormData) {
      return;
    }
    var controller = null;
    var sequence = 0;
    var lastSent = new URLSearchParams(new FormData(form)).toString();

    function announce(text) {
      if (status && text) {
        status.textContent = text;
      }
    }

    function refresh() {
      var body = new URLSearchParams(new FormData(form)).toString();
      if (body === lastSent) {
        return;
      }
      lastSent = body;
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new AbortController() : null;
      var mine = ++sequence;
      pane.setAttribute("aria-busy", "true");
      window
        .fetch("/preview?fragment=1", {
          method: "POST",
          body: body,
          headers: {
            "Content-Type": "application/x-www-form-urlencoded",
            Accept: "text/html",
          },
          credentials: "same-origin",
          signal: controller ? controller.signal : undefined,
        })
        .then(function (response) {
          return response.text().then(function (html) {
            return { ok: response.ok || response.status === 422, html: html };
          });
        })
        .then(function (result) {
          if (mine !== sequence) {
            return;
          }
          if (!result.ok) {
            announce("The preview could not be updated.");
            return;
          }
          var paneScroll = pane.scrollTop;
          var pageScroll = window.scrollY;
          content.innerHTML = result.html;
          pane.scrollTop = paneScroll;
          window.scrollTo(window.scrollX, pageScroll);
          var body = content.querySelector("[data-status]");
          if (content.querySelector("article.agreement")) {
            clearErrors(form);
          }
          announce(body ? body.getAttribute("data-status") : "");
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") {
            return;
          }
          if (mine === sequence) {
            announce("The preview could not be updated.");
          }
        })
        .then(function () {
          if (mine === sequence) {
            pane.removeAttribute("aria-busy");
          }
        });
    }

    var scheduled = debounce(refresh, PREVIEW_DELAY_MS);
    form.addEventListener("input", scheduled);
    form.addEventListener("change", scheduled);
  }

  function elementPanel(form) {
    var input = form.querySelector('[name="element"]');
    var panel = document.getElementById("element-info");
    if (!input || !panel || !window.fetch) {
      return;
    }
    var shown = input.value.trim();
    var sequence = 0;

    function refresh() {
      var value = input.value.trim();
      if (value === shown) {
        return;
      }
      shown = value;
      var mine = ++sequence;
      window
        .fetch("/elements-info?element=" + encodeURIComponent(value), {
          headers: { Accept: "text/html" },
          credentials: "same-origin",
        })
        .then(function (response) {
          return response.text();
        })
        .then(function (html) {
          if (mine === sequence) {
            panel.innerHTML = html;
          }
        })
        .catch(function () {
          /* the panel keeps its last content; the form still works */
        });
    }

    var scheduled = debounce(refresh, ELEMENT_DELAY_MS);
    input.addEventListener("input", scheduled);
    input.addEventListener("change", scheduled);
  }

  // Print the whole report: open its folded sections first.
  function openDetailsForPrint() {
    window.addEventListener("beforeprint", function () {
      var folded = document.querySelectorAll("#preview details:not([open])");
      for (var i = 0; i < folded.length; i++) {
        folded[i].setAttribute("open", "");
        folded[i].setAttribute("data-opened-for-print", "");
      }
    });
    window.addEventListener("afterprint", function () {
      var opened = document.querySelectorAll("#preview details[data-opened-for-print]");
      for (var i = 0; i < opened.length; i++) {
        opened[i].removeAttribute("open");
        opened[i].removeAttribute("data-opened-for-print");
      }
    });
  }

  function start() {
    errorLinks();
    openDetailsForPrint();
    var form = document.getElementById("contract-form");
    var pane = document.getElementById("preview");
    if (!form || !pane) {
      return;
    }
    livePreview(form, pane);
    elementPanel(form);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

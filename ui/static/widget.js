/*
 * Help-center widget loader. Embed it with one line:
 *   <script src="https://HELP-SERVER/widget.js" data-lang="sv" async></script>
 * Optional: data-theme="light|dark", data-accent="#hex". It adds a launcher button at the
 * bottom right that opens the assistant's /widget in an iframe, with the focus in its question
 * box, and closes it again (Escape does too, on this page or inside the widget, and gives the
 * launcher the focus). The panel follows the launcher, so that Tab goes from one to the other.
 * The server's origin is taken from this script's own src. On the first open it asks the
 * server whether this site may frame the widget (server.allowed_origins): a browser shows a
 * refused frame as a blank error page, so the panel says what to do instead.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.helpcenterWidget) {
    return;
  }
  var LABELS = /*LABELS*/ {};
  var HEX = /^#[0-9a-fA-F]{3,8}$/;
  var CHAT_ICON =
    '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" fill="none" ' +
    'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">' +
    '<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/></svg>';
  var CLOSE_ICON =
    '<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" fill="none" ' +
    'stroke="currentColor" stroke-width="2.5" stroke-linecap="round">' +
    '<path d="M6 6l12 12M18 6L6 18"/></svg>';

  var origin = new URL(script.src, window.location.href).origin;
  var data = script.dataset;
  var theme = data.theme === "dark" ? "dark" : "light";
  var accent = HEX.test(data.accent || "") ? data.accent : "#3b5bdb";

  function languageOf(tag) {
    var code = String(tag || "").toLowerCase().split(/[-_]/)[0];
    return code === "nb" || code === "nn" ? "no" : code;
  }

  var text = LABELS[languageOf(data.lang || navigator.language)] || LABELS.en;
  var params = new URLSearchParams({ theme: theme, __theme: theme, accent: accent });
  if (data.lang) {
    params.set("lang", languageOf(data.lang));
  }
  var src = origin + "/widget/?" + params.toString();

  var host, button, panel, frame;
  var open = false;
  var started = false;
  var ready = false;

  function render() {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.setAttribute("aria-label", open ? text.close_help : text.open_help);
    button.title = open ? text.close_help : text.open_help;
    button.innerHTML = open ? CLOSE_ICON : CHAT_ICON;
  }

  function addFrame() {
    frame = document.createElement("iframe");
    frame.src = src;
    frame.title = text.widget_title;
    frame.setAttribute("allow", "clipboard-write");
    panel.appendChild(frame);
  }

  // The frame's page focuses its question box when asked, once it has said it is ready (a
  // frame's own script may not take the focus from this page unprompted); the message goes to
  // the server's origin only.
  function focusQuestion() {
    if (open && ready) {
      frame.focus();
      frame.contentWindow.postMessage({ type: "helpcenter-widget:focus" }, origin);
    }
  }

  function showBlocked() {
    var note = document.createElement("p");
    note.className = "blocked";
    note.setAttribute("role", "alert");
    note.textContent = text.blocked;
    panel.appendChild(note);
  }

  function toggle(force) {
    open = typeof force === "boolean" ? force : !open;
    if (open && !started) {
      started = true;
      fetch(origin + "/widget/embed-check", { mode: "cors", credentials: "omit", cache: "no-store" })
        .then(function (response) {
          return response.json();
        })
        .then(function (answer) {
          if (answer.allowed === false) {
            showBlocked();
          } else {
            addFrame();
          }
        })
        .catch(addFrame);
    }
    render();
    if (open) {
      focusQuestion();
    }
  }

  function dismiss() {
    if (open) {
      toggle(false);
      button.focus();
    }
  }

  function mount() {
    host = document.createElement("div");
    host.id = "helpcenter-widget";
    var root = host.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent =
      ":host{all:initial}" +
      ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;" +
      "height:56px;border:0;border-radius:50%;cursor:pointer;color:#fff;display:flex;" +
      "align-items:center;justify-content:center;box-shadow:0 4px 14px rgba(0,0,0,.25);" +
      "background:" + accent + "}" +
      ".launcher:focus-visible{outline:3px solid #fff;outline-offset:-6px}" +
      ".panel{position:fixed;right:20px;bottom:88px;z-index:2147483000;width:360px;" +
      "height:560px;max-width:calc(100vw - 40px);max-height:calc(100vh - 108px);" +
      "border-radius:12px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.3);" +
      "background:" + (theme === "dark" ? "#0b0f19" : "#fff") + "}" +
      ".panel[hidden]{display:none}" +
      "iframe{width:100%;height:100%;border:0;display:block}" +
      ".blocked{margin:0;padding:24px;font:15px/1.5 system-ui,sans-serif;color:" +
      (theme === "dark" ? "#e5e7eb" : "#1f2937") + "}";
    panel = document.createElement("div");
    panel.className = "panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", text.widget_title);
    button = document.createElement("button");
    button.type = "button";
    button.className = "launcher";
    button.addEventListener("click", function () {
      toggle();
    });
    root.appendChild(style);
    root.appendChild(button);
    root.appendChild(panel);
    document.body.appendChild(host);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        dismiss();
      }
    });
    // Escape pressed inside the widget, or the widget ready to take the focus: its page says
    // so (and nothing else may).
    window.addEventListener("message", function (event) {
      var message = event.data;
      if (!(event.origin === origin && frame && event.source === frame.contentWindow && message)) {
        return;
      }
      if (message.type === "helpcenter-widget:close") {
        dismiss();
      } else if (message.type === "helpcenter-widget:ready") {
        ready = true;
        focusQuestion();
      }
    });
    render();
  }

  window.helpcenterWidget = { toggle: toggle };
  if (document.body) {
    mount();
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();

// The widget talks with widget.js on the host page: Escape pressed in it closes it, as on the host
// page, and once it has said it is ready (Gradio adds this script after the frame's load event)
// the host asks it to focus its question box whenever it opens. Its own messages carry nothing,
// so when the browser tells neither the host's origin (ancestorOrigins) nor its referrer, any
// parent may receive them; the focus request is taken from the parent frame alone.
(function () {
  if (window.parent === window) { return; }
  var hosts = window.location.ancestorOrigins;
  var referrer = document.referrer ? new URL(document.referrer).origin : "*";
  var host = hosts && hosts.length ? hosts[0] : referrer;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.defaultPrevented) {
      window.parent.postMessage({ type: "helpcenter-widget:close" }, host);
    }
  });
  function focusQuestion(tries) {
    var box = document.querySelector("#question textarea");
    if (box) { box.focus(); } else if (tries > 0) {
      setTimeout(function () { focusQuestion(tries - 1); }, 100);
    }
  }
  window.addEventListener("message", function (event) {
    var message = event.data;
    if (event.source === window.parent && (host === "*" || event.origin === host) &&
        message && message.type === "helpcenter-widget:focus") {
      focusQuestion(100);
    }
  });
  window.parent.postMessage({ type: "helpcenter-widget:ready" }, host);
})();

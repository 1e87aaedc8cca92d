// The widget's accent comes from `?accent=#hex`; only a colour can get through the check.
(function () {
  var accent = new URLSearchParams(window.location.search).get("accent") || "";
  if (!/^#[0-9a-fA-F]{3,8}$/.test(accent)) { return; }
  var names = ["--color-accent", "--button-primary-background-fill",
    "--button-primary-background-fill-hover", "--button-primary-border-color",
    "--button-primary-border-color-hover", "--input-border-color-focus"];
  var style = document.createElement("style");
  style.textContent = ":root, .dark {" + names.map(function (name) {
    return name + ":" + accent + " !important";
  }).join(";") + "}";
  document.head.appendChild(style);
})();

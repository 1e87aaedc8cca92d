// Put in every page's head: give the document the language and title the page was relabelled
// in (`ChatHandlers.language`), and keep them when Gradio sets its own (its locale, `title=`);
// and give the chat's parts and Gradio's notices the labels and text Gradio leaves in English
// (`gradio_labels`, and `gradio_prefixes` for the openings of its messages' labels); and give
// each answer the language it is in (`ChatHandlers.mark_languages`), which may not be the
// page's, and mark a reply to small talk, which has nothing to vote on.
(function () {
  var root = document.documentElement;
  var LABELS = /*LABELS*/ {}, PREFIXES = /*PREFIXES*/ {};
  var gradios = {};
  Object.keys(LABELS).forEach(function (lang) {
    Object.keys(LABELS[lang]).forEach(function (label) { gradios[label] = true; });
  });
  var english = Object.keys(PREFIXES.en || {});
  function has(table, key) { return Object.prototype.hasOwnProperty.call(table, key); }
  function opening(value) {
    return english.filter(function (start) { return value.indexOf(start) === 0; })[0];
  }
  function translate(gradio, lang) {
    var labels = LABELS[lang] || {}, start = opening(gradio);
    if (has(labels, gradio)) { return labels[gradio]; }
    if (start && PREFIXES[lang]) {
      // The message as typed: Gradio gives its Markdown source, escapes and all.
      var said = gradio.slice(start.length).replace(/\\([!-\/:-@[-`{-~])/g, "$1");
      return PREFIXES[lang][start] + said;
    }
    return gradio;
  }
  // Gradio's own label is kept beside ours, since the page changes language after it is drawn.
  function relabel(lang) {
    var parts = "#chat [aria-label], #chat [title], .toast-wrap [aria-label]";
    document.querySelectorAll(parts).forEach(function (part) {
      ["aria-label", "title"].forEach(function (name) {
        var value = part.getAttribute(name), kept = "data-gradio-" + name;
        if (value !== null && (has(gradios, value) || opening(value))) {
          part.setAttribute(kept, value);
        }
        var gradio = part.getAttribute(kept);
        if (gradio === null) { return; }
        var ours = translate(gradio, lang);
        if (value !== ours) { part.setAttribute(name, ours); }
      });
    });
    document.querySelectorAll("[data-testid='toast-text']").forEach(function (notice) {
      var value = notice.textContent, kept = "data-gradio-text";
      if (has(gradios, value)) { notice.setAttribute(kept, value); }
      var gradio = notice.getAttribute(kept);
      if (gradio === null) { return; }
      var ours = translate(gradio, lang);
      if (value !== ours) { notice.textContent = ours; }
    });
  }
  function apply() {
    var chosen = document.querySelector("#page-language span[lang]");
    if (!chosen) { return; }
    if (root.lang !== chosen.lang) { root.lang = chosen.lang; }
    if (document.title !== chosen.textContent) { document.title = chosen.textContent; }
    relabel(chosen.lang);
    var marks = document.querySelectorAll("#page-language i[lang], #page-language b[lang]");
    document.querySelectorAll("#chat [data-testid='bot']").forEach(function (answer, n) {
      var lang = n < marks.length ? marks[n].lang : null;
      if (answer.getAttribute("lang") !== lang) {
        if (lang) { answer.setAttribute("lang", lang); } else { answer.removeAttribute("lang"); }
      }
      // A reply to small talk (a <b> mark) has no vote buttons (chat.css hides them).
      var row = answer.closest(".message-row");
      var reply = n < marks.length && marks[n].tagName === "B";
      if (row && row.hasAttribute("data-reply") !== reply) {
        if (reply) { row.setAttribute("data-reply", ""); } else { row.removeAttribute("data-reply"); }
      }
    });
  }
  new MutationObserver(apply).observe(root, {
    childList: true, subtree: true, characterData: true, attributes: true,
    attributeFilter: ["lang", "aria-label", "title"]
  });
  apply();
})();

// Put in every page's head: a question left in the box when the page goes (typed, or sent
// while the server was unreachable, which leaves it there) is put back when the page loads
// again in the same tab. Gradio reloads the page by itself once it reaches the server again
// after losing it (a restart, the network), which would otherwise lose that question.
(function () {
  var key = "assistant-question:" + location.pathname, store, kept;
  try {
    store = window.sessionStorage;
    kept = store.getItem(key);
  } catch (denied) { return; }  // a frame the browser denies storage
  function box() { return document.querySelector("#question textarea"); }
  window.addEventListener("pagehide", function () {
    var question = box();
    try {
      if (question && question.value.trim()) { store.setItem(key, question.value); }
      else { store.removeItem(key); }
    } catch (full) { /* storage full or denied: nothing to keep */ }
  });
  if (!kept) { return; }
  // Once the page has its language (it is ready for questions), as the reader left it.
  var watch = new MutationObserver(function () {
    var question = box();
    if (!question || !document.querySelector("#page-language span[lang]")) { return; }
    watch.disconnect();
    try { store.removeItem(key); } catch (denied) { /* kept until the tab closes */ }
    if (question.value) { return; }
    question.value = kept;
    question.dispatchEvent(new Event("input", { bubbles: true }));
  });
  watch.observe(document.documentElement, { childList: true, subtree: true });
})();

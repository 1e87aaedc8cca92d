// Put in every page's head: when a new question appears, scroll it to the top of the chat
// (below the clear button), and keep it there while its answer arrives and grows, so that the
// answer is read from its start; the reader's own hand on the chat ends this (scrolling it, or a
// press on any of its buttons, "Scroll down" among them, which sits outside the messages). A
// page script, not an event's `js=`, which Gradio runs through `new Function` and the
// Content-Security-Policy (no 'unsafe-eval') forbids.
(function () {
  var seen = 0, pinned = false;
  function check() {
    var wrap = document.querySelector("#chat .bubble-wrap");
    var questions = wrap ? wrap.querySelectorAll(".user-row") : [];
    if (questions.length !== seen) {
      seen = questions.length;
      pinned = seen > 0;
    }
    if (!pinned) { return; }
    var question = questions[seen - 1];
    wrap.scrollTop += question.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 36;
  }
  ["wheel", "touchstart", "pointerdown", "mousedown", "keydown"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (event.target.closest && event.target.closest("#chat")) { pinned = false; }
    }, { capture: true, passive: true });
  });
  new MutationObserver(function () { requestAnimationFrame(check); })
    .observe(document.documentElement, { childList: true, subtree: true, characterData: true });
})();

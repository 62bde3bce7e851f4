// Keeps what was typed in a note (textareas with data-draft) in this
// tab's sessionStorage until the note is saved, so that a session that
// expired on submit loses nothing: after logging in again, the text is
// back in the form. Without JavaScript the server still shows what was
// typed again after a refused form.
(function () {
  "use strict";
  var saved = /[?&]ok=note_added\b/.test(location.search);
  document.querySelectorAll("textarea[data-draft]").forEach(function (el) {
    var key = "casemgr-draft:" + location.pathname + ":" + el.dataset.draft;
    try {
      var v = sessionStorage.getItem(key);
      if (saved) {
        sessionStorage.removeItem(key);
      } else if (v && (el.value === "" || el.dataset.draft !== "note")) {
        el.value = v;
      }
      el.addEventListener("input", function () { sessionStorage.setItem(key, el.value); });
    } catch (e) { /* storage disabled: the server-side form still keeps the text */ }
  });
})();

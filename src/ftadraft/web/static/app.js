// ftadraft workbench: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Draft page: a changed value or level applies at once (the consolidated text follows live).
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () {
      var form = el.form;
      if (!form) return;
      var op = document.createElement("input");
      op.type = "hidden"; op.name = "op"; op.value = "apply";
      form.appendChild(op);
      form.submit();
    });
  });
  // Error page: "Go back" works with the history when there is one.
  document.querySelectorAll("[data-back]").forEach(function (a) {
    a.setAttribute("href", document.referrer || "/search");
    a.addEventListener("click", function (e) { if (history.length > 1) { e.preventDefault(); history.back(); } });
  });
  // Keep the draft page where it was after a change.
  var key = "ftadraft-scroll:" + location.pathname;
  var form = document.getElementById("draft-form");
  if (form) {
    var y = sessionStorage.getItem(key);
    if (y) { window.scrollTo(0, parseInt(y, 10)); sessionStorage.removeItem(key); }
    form.addEventListener("submit", function () { sessionStorage.setItem(key, String(window.scrollY)); });
  }
})();
// Sections the server leaves for later (facet counts, lineage): fetched after the page is shown.
(function () {
  "use strict";
  document.querySelectorAll("[data-defer]").forEach(function (el) {
    fetch(el.getAttribute("data-defer"), { headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var box = document.createElement("div");
        box.innerHTML = html;
        var fresh = box.firstElementChild;
        if (fresh) { el.replaceWith(fresh); }
      })
      .catch(function () { /* keep the link: it works without the script */ });
  });
})();

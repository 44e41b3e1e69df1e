// ipkg site: language toggle (en/zh, remembered), header search, serve links. No requests.
(function () {
  "use strict";
  var KEY = "ipkg-lang";
  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function initial() {
    var m = /[?&]lang=(en|zh)\b/.exec(window.location.search);
    return m ? m[1] : (stored() === "zh" ? "zh" : "en");
  }
  function apply(lang) {
    var html = document.documentElement;
    html.setAttribute("data-lang", lang);
    html.setAttribute("lang", lang === "zh" ? "zh-Hans" : "en");
    document.dispatchEvent(new CustomEvent("ipkg:lang", { detail: lang }));
  }
  window.ipkgLang = function () { return document.documentElement.getAttribute("data-lang") || "en"; };
  apply(initial());
  document.addEventListener("DOMContentLoaded", function () {
    apply(window.ipkgLang());
    var button = document.getElementById("lang");
    if (button) {
      button.addEventListener("click", function () {
        var next = window.ipkgLang() === "zh" ? "en" : "zh";
        try { window.localStorage.setItem(KEY, next); } catch (e) { /* file:// without storage */ }
        apply(next);
      });
    }
    var form = document.querySelector("form.search");
    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var q = form.querySelector("input").value.trim();
        window.location.href = form.getAttribute("data-search") + (q ? "?q=" + encodeURIComponent(q) : "");
      });
    }
    // Opened from a web server (ipkg serve or another host): query links go to that origin.
    if (window.location.protocol === "http:" || window.location.protocol === "https:") {
      var links = document.querySelectorAll("a[data-serve]");
      for (var i = 0; i < links.length; i++) {
        var href = links[i].getAttribute("href");
        var at = href.indexOf("/?query=");
        if (at >= 0) links[i].setAttribute("href", window.location.origin + href.slice(at));
      }
    }
  });
})();

// Irreversible actions ask first: <form data-confirm="…">. A file, not inline script (the CSP
// forbids inline scripts).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// <button data-print>: the browser's print dialog (static/css/print.css lays the page out).
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});

// The search box: words go in the URL (GET), but an ID or phone number must not (browser
// history, server logs, Referer keep URLs). A query holding a long run of digits is posted
// instead; the server refuses such a number in a URL anyway (jiuzhu/views.py search).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute || !form.hasAttribute("data-private-post")) {
    return;
  }
  var box = form.querySelector("input[name=q]");
  var digits = (box ? box.value : "").normalize("NFKC").replace(/[\s\-\u2010-\u2015.\/_]/g, "");
  if (/\d{7,}/.test(digits)) {
    form.method = "post";
    if (!form.querySelector("input[name=csrfmiddlewaretoken]")) {
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrfmiddlewaretoken";
      token.value = form.getAttribute("data-private-post");
      form.appendChild(token);
    }
  }
});

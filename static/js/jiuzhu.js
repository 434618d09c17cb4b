// Irreversible actions ask first: <form data-confirm="…">. A file, not inline script (the CSP
// forbids inline scripts).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

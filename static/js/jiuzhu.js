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

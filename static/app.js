// Gauntlet: small progressive enhancements. Every flow works without this file.
(function () {
  "use strict";

  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Copy buttons: data-copy names the input whose value is copied.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) return;
    input.select();
    var done = function () { button.textContent = "Copied"; };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(input.value).then(done, function () {});
    }
  });

  // Forms show that a slow action is under way (data-busy on the submit button).
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("[data-busy]");
    if (button) {
      button.textContent = button.getAttribute("data-busy");
      button.setAttribute("aria-disabled", "true");
    }
  });
})();

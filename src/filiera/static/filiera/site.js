/* Small behaviours of every page, kept out of the HTML so that the Content-Security-Policy forbids inline scripts. */
document.addEventListener("change", function (event) {
  // The language switcher (and any select marked so) submits its form as soon as a choice is made.
  if (event.target.matches("select[data-submit-on-change]")) { event.target.form.submit(); }
});
document.addEventListener("focusin", function (event) {
  // A read-only field to copy from (a new API token) selects its whole value on focus.
  if (event.target.matches("input[data-select-on-focus]")) { event.target.select(); }
});

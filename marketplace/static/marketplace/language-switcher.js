// Submit the language form as soon as another language is chosen (no inline handler: CSP).
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("language-switcher");
  if (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  }
});

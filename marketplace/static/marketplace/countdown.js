// Counts down the time left to answer an offer (<time data-countdown datetime="...">).
// The texts come translated from the server, on the element itself (factories/_countdown.html:
// data-expired, data-hours-left, data-minutes-left), so this file holds no language.
(function () {
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_match, name) {
      return String(values[name]);
    });
  }
  function text(el, ms) {
    if (ms <= 0) return el.dataset.expired || "expired";
    var minutes = Math.floor(ms / 60000), hours = Math.floor(minutes / 60);
    if (hours > 0) {
      return fill(el.dataset.hoursLeft || "{hours} h {minutes} min left", {
        hours: hours,
        minutes: minutes % 60,
      });
    }
    return fill(el.dataset.minutesLeft || "{minutes} min left", { minutes: minutes });
  }
  function tick() {
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      el.textContent = text(el, new Date(el.getAttribute("datetime")) - new Date());
    });
  }
  tick();
  setInterval(tick, 30000);
  document.body.addEventListener("htmx:afterSwap", tick);
})();

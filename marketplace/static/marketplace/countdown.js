// Counts down the time left to answer an offer (<time data-countdown datetime="...">).
(function () {
  function text(ms) {
    if (ms <= 0) return document.documentElement.lang.startsWith("zh") ? "已过期" : "expired";
    var minutes = Math.floor(ms / 60000), hours = Math.floor(minutes / 60);
    var zh = document.documentElement.lang.startsWith("zh");
    if (hours > 0) return zh ? "剩余 " + hours + " 小时 " + (minutes % 60) + " 分" : hours + " h " + (minutes % 60) + " min left";
    return zh ? "剩余 " + minutes + " 分" : minutes + " min left";
  }
  function tick() {
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      el.textContent = text(new Date(el.getAttribute("datetime")) - new Date());
    });
  }
  tick();
  setInterval(tick, 30000);
  document.body.addEventListener("htmx:afterSwap", tick);
})();

// Live progress of a running job: polls /api/v1/jobs/<id> every second and reloads the page
// (which then shows the result) once the job has ended. Without JavaScript the page refreshes itself.
(function () {
  "use strict";
  var section = document.getElementById("progress");
  if (!section || section.getAttribute("data-running") !== "true") { return; }
  var job = section.getAttribute("data-job");
  var lang = document.documentElement.lang === "en" ? "en-GB" : "nl-NL";
  var phases = JSON.parse(section.getAttribute("data-phases") || "{}");
  var ended = ["succeeded", "failed", "cancelled", "timed_out"];
  function number(value, digits) {
    if (value === null || value === undefined) { return "–"; }
    return value.toLocaleString(lang, { maximumFractionDigits: digits });
  }
  function set(id, text) {
    var node = document.getElementById(id);
    if (node && node.textContent !== text) { node.textContent = text; }
  }
  function poll() {
    fetch("/api/v1/jobs/" + encodeURIComponent(job), { headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 1000); return; }
        if (ended.indexOf(data.status) >= 0) { window.location.reload(); return; }
        set("job-elapsed", number(data.elapsed_s, 1) + " s");
        set("job-incumbent", number(data.incumbent, 2));
        set("job-bound", number(data.bound, 2));
        set("job-gap", data.gap === null || data.gap === undefined ? "–" :
          (data.gap * 100).toLocaleString(lang, { maximumFractionDigits: 2 }) + " %");
        if (data.phase) { set("job-phase", phases[data.phase] || data.phase); }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 1000);
}());

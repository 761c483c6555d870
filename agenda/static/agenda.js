// Public agenda: on a first visit, show the times in the visitor's own time zone as well.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("zone-form");
  if (!form) return;
  const input = form.querySelector("input[name=tz]");
  // Only once: if the server did not know the browser's zone, do not ask again in a loop.
  if (input.value || form.dataset.detected === "1") return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone) {
    input.value = zone;
    form.submit();
  }
});

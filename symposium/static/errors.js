// A form sent back with errors: the page opens on its list of what needs attention (focus and
// screen move there, so a phone user does not land at the top of a long form unaware), and the
// tab's title says so. Each item of the list links to its field.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  document.title = "Error: " + document.title;
  summary.scrollIntoView({ block: "start" });
  summary.focus({ preventScroll: true });
});

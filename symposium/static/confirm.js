// Asks before a form marked data-confirm does what cannot be undone (removing a focal point,
// revoking links, removing a speaker, a survey section or question, a check-in). Without
// JavaScript the form still works, as before.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

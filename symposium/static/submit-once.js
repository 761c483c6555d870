// A form is sent once: a double click (or Enter pressed twice) would otherwise send it twice,
// and the second request adds a second agenda item, speaker, question or symposium. Once a POST
// form is on its way, its submit buttons are disabled and a second submit is ignored. A form
// that confirm.js was told not to send, or that the browser refused (a required field left
// empty), was never on its way and stays as it was. Without JavaScript the form still works.
(() => {
  const releaseTimers = new WeakMap();
  const submitButtons = (form) =>
    Array.from(form.elements).filter((el) => el.type === "submit" || el.type === "image");

  const release = (form) => {
    delete form.dataset.sending;
    for (const button of submitButtons(form)) {
      if (button.dataset.disabledWhileSending) {
        button.disabled = false;
        delete button.dataset.disabledWhileSending;
      }
    }
  };

  // Capture, before confirm.js: a form already on its way is not sent (nor asked about) again.
  window.addEventListener(
    "submit",
    (event) => {
      if (event.target.dataset && event.target.dataset.sending) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );

  // Bubbling, after confirm.js: only a form that is really being sent is marked.
  window.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) || form.method !== "post") {
      return;
    }
    form.dataset.sending = "1";
    // Disabled once the browser has collected what the form sends: a disabled button's name
    // and value (the "up" of a move button) would be left out.
    setTimeout(() => {
      for (const button of submitButtons(form)) {
        if (!button.disabled) {
          button.disabled = true;
          button.dataset.disabledWhileSending = "1";
        }
      }
    }, 0);
    // Stopped by the user (Esc) or a lost connection: the form can be sent again later.
    clearTimeout(releaseTimers.get(form));
    releaseTimers.set(form, setTimeout(() => release(form), 20000));
  });

  // Back to this page from the browser's cache: it shows the form as it was left, unsent.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      document.querySelectorAll("form[data-sending]").forEach(release);
    }
  });
})();

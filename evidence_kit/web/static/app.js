// The UI's own script, kept small: reveal blurred screenshots, copy hashes, follow a job's progress.
// Every page works without it (forms post normally); it only adds convenience.
"use strict";

document.addEventListener("click", (event) => {
  const reveal = event.target.closest("[data-reveal]");
  if (reveal) {
    const blurred = reveal.classList.toggle("blurred");
    reveal.setAttribute("aria-pressed", blurred ? "false" : "true");
    return;
  }
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const text = copy.getAttribute("data-copy");
    const done = () => { copy.textContent = "Copied"; setTimeout(() => { copy.textContent = "Copy"; }, 1500); };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(done, () => { window.prompt("Copy:", text); });
    } else {
      window.prompt("Copy:", text);
    }
  }
});

// Server-sent events: the server sends the rendered progress table each time it changes.
const progress = document.getElementById("progress");
if (progress && progress.dataset.events && !progress.querySelector('[data-finished="yes"]')) {
  const source = new EventSource(progress.dataset.events);
  source.addEventListener("progress", (event) => { progress.innerHTML = event.data; });
  source.addEventListener("done", () => {
    source.close();
    const cancel = document.getElementById("cancel-form");
    if (cancel) cancel.hidden = true;
  });
}

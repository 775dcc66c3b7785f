// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  const busy = form.getAttribute("data-busy");
  const button = form.querySelector("button[type=submit]");
  if (busy && button) {
    button.disabled = true;
    button.textContent = busy;
  }
});
// Delivery progress: reload the page every few seconds until every invitation is out.
const progress = document.querySelector("progress[data-refresh]");
if (progress && Number(progress.value) < Number(progress.max)) {
  window.setTimeout(() => window.location.reload(), 3000);
}

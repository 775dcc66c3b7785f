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
// "?auto=1" tells the console this is not the officer's doing, so it does not keep the
// session alive (an open tab must not keep a session forever).
const progress = document.querySelector("progress[data-refresh]");
if (progress && Number(progress.value) < Number(progress.max)) {
  const next = new URL(window.location.href);
  next.searchParams.set("auto", "1");
  window.setTimeout(() => window.location.replace(next.href), 3000);
}
// Long work (bot/web/jobs.py): check again every two seconds until it is finished.
if (document.querySelector("[data-job-running]")) {
  const next = new URL(window.location.href);
  next.searchParams.set("auto", "1");
  window.setTimeout(() => window.location.replace(next.href), 2000);
}
// A meeting's live figures (bot/web/meetings.py): refresh unless the teller is typing.
const live = document.querySelector("[data-live]");
if (live) {
  const seconds = Number(live.getAttribute("data-live")) || 15;
  const again = () => {
    const typing = Array.from(document.querySelectorAll("form input[name=member]"))
      .some((box) => box.value || box === document.activeElement);
    if (typing) {
      window.setTimeout(again, seconds * 1000);
      return;
    }
    const next = new URL(window.location.href);
    next.searchParams.set("auto", "1");
    window.location.replace(next.href);
  };
  window.setTimeout(again, seconds * 1000);
}
// A form with mistakes: take the officer (and their screen reader) to the list of them.
const summary = document.querySelector("[data-error-summary]");
if (summary) {
  summary.focus();
}
// The members' bulk action bar: how many are ticked, and a box that ticks the whole page.
const bulk = document.querySelector("form.bulk-form");
if (bulk) {
  const boxes = Array.from(bulk.querySelectorAll("input[name=member]"));
  const all = bulk.querySelector("input[data-tick-page]");
  const said = bulk.querySelector("[data-ticked]");
  const ticked = bulk.querySelector("input[name=scope][value=ticked]");
  const count = () => {
    const n = boxes.filter((box) => box.checked).length;
    said.textContent = `(${n} ticked)`;
    if (all) {
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
  };
  bulk.addEventListener("change", (event) => {
    if (event.target === all) boxes.forEach((box) => { box.checked = all.checked; });
    if (event.target.name === "member" || event.target === all) ticked.checked = true;
    count();
  });
  if (all && boxes.length) all.hidden = false;
  count();
}

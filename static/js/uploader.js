// The upload page, enhanced: files picked, pasted (Ctrl/Cmd+V) or dropped anywhere join a
// queue where each gets its title and alt text; "Upload" sends them three at a time, one
// request per file, each with its progress, cancel and retry. Without this script the form
// posts as a plain form. Limits and the token come from the form's data attributes.

import { wireCopyButtons } from "./copy.js";
import { receiveDrops, startDropTarget, takeDroppedFiles } from "./dropzone.js";
import { UploadItem } from "./upload-item.js";

const AT_ONCE = 3;
const form = document.getElementById("upload-form");
const input = form.querySelector("input[type=file]");
const list = form.querySelector("[data-queue]");
const summary = form.querySelector("[data-summary]");
const template = document.getElementById("queue-item");
// POST /upload (or a drop link's own address, which its form names), without the query.
const endpoint = form.dataset.uploadUrl || document.body.dataset.uploadUrl;
const limits = {
  maxBytes: Number(form.dataset.maxBytes),
  accept: form.dataset.accept.split(","),
};
const items = [];
const waiting = [];
let running = 0;

function addFiles(files) {
  for (const file of files) {
    const item = new UploadItem(file, template, limits, { onChange: changed, onRetry: start });
    items.push(item);
    list.append(item.row);
  }
  list.hidden = items.length === 0;
  describe();
}

/** The choices that apply to every file sent from now on. */
function options() {
  return {
    visibility: form.elements.visibility?.value ?? "", // a guest's drop link has none
    album: form.elements.album?.value ?? "",
  };
}

function start(item) {
  item.enqueue(options());
  waiting.push(item);
  pump();
}

function pump() {
  while (running < AT_ONCE && waiting.length) {
    const item = waiting.shift();
    running += 1;
    item.send(endpoint, form.dataset.xsrf).finally(() => {
      running -= 1;
      pump();
    });
  }
}

function changed(item) {
  if (item.state === "cancelled" || item.state === "removed") {
    const index = waiting.indexOf(item);
    if (index >= 0) waiting.splice(index, 1);
  }
  if (item.state === "removed") {
    items.splice(items.indexOf(item), 1);
    list.hidden = items.length === 0;
    input.focus(); // its Remove button, which had the focus, is gone
  }
  describe();
}

const count = (state) => items.filter((item) => item.state === state).length;
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The button says what it will do; the live summary says how the batch is going. */
function describe() {
  const ready = count("ready");
  form.querySelector("button[type=submit]").textContent =
    ready ? `Upload ${plural(ready, "image")}` : "Upload";
  const sending = count("uploading") + count("processing");
  const parts = [
    sending && `${sending} uploading`,
    count("waiting") && `${count("waiting")} waiting`,
    count("done") && `${count("done")} uploaded`,
    count("duplicate") && `${count("duplicate")} already in your gallery`,
    count("failed") && `${count("failed")} failed`,
    count("refused") && `${count("refused")} cannot be uploaded`,
  ].filter(Boolean);
  const text = parts.join(", ");
  if (summary.textContent !== text) summary.textContent = text;
}

// ----- wiring -----

form.classList.add("enhanced");
for (const hint of form.querySelectorAll("[data-enhanced]")) hint.hidden = false;
for (const plain of form.querySelectorAll("[data-plain]")) plain.hidden = true;
wireCopyButtons(form);

input.addEventListener("change", () => {
  addFiles([...input.files]);
  input.value = ""; // the queue holds them now; picking the same file again still works
});

document.addEventListener("paste", (event) => {
  const files = [...(event.clipboardData?.files ?? [])];
  if (!files.length) return; // text pastes into fields as usual
  event.preventDefault();
  addFiles(files);
});

form.addEventListener("submit", (event) => {
  const ready = items.filter((item) => item.state === "ready");
  // With nothing queued, an address in the URL field goes the plain way (the server fetches it).
  if (!ready.length && form.elements.url?.value.trim()) return;
  event.preventDefault();
  if (!ready.length) {
    summary.textContent = "Choose, paste or drop images first.";
    input.focus();
    return;
  }
  ready.forEach(start);
});

receiveDrops(addFiles);
// A guest on a drop link is not signed in, so site.js started no drop target: start one.
if (!document.body.dataset.uploadUrl) startDropTarget(endpoint);
takeDroppedFiles().then((files) => files.length && addFiles(files));

// One file in the upload queue: its row (from <template id="queue-item">), the check against
// the server's limits, and its own request to POST /upload with progress, cancel and retry.

let counter = 0;

/** "1.5 MB", "900 KB": sizes written as the server writes them (app/text.py). */
export function sizeText(bytes) {
  for (const [unit, scale] of [["GB", 1024 ** 3], ["MB", 1024 ** 2], ["KB", 1024]]) {
    if (bytes >= scale) return `${Number((bytes / scale).toPrecision(3))} ${unit}`;
  }
  return `${bytes} bytes`;
}

/**
 * Why `file` will not go, or "" if it may. The limits come from the page (`maxBytes`, and
 * `accept`: types and ".ext" names). A file whose type the browser does not know is sent
 * anyway: the server decides from the bytes, never the name.
 */
export function refusal(file, { maxBytes, accept }) {
  const name = file.name.toLowerCase();
  const known = accept.includes(file.type) || accept.some((ext) => ext.startsWith(".") && name.endsWith(ext));
  if (file.type && !known) return `${file.type} is not an image type Pixvault accepts.`;
  if (file.size === 0) return "The file is empty.";
  if (file.size > maxBytes) return `Too large: ${sizeText(file.size)}, the limit is ${sizeText(maxBytes)}.`;
  return "";
}

export class UploadItem {
  /** A queue row for `file`. `hooks.onChange(item)` hears every change of state,
   *  `hooks.onRetry(item)` a request to send it again. */
  constructor(file, template, limits, hooks) {
    this.file = file;
    this.hooks = hooks;
    this.id = `upload-${++counter}`;
    this.row = template.content.firstElementChild.cloneNode(true);
    this.status = this.row.querySelector("[data-status]");
    this.progress = this.row.querySelector("progress");
    this.fields = Object.fromEntries(
      [...this.row.querySelectorAll("[data-field]")].map((input) => [input.dataset.field, input]));
    this.row.querySelector("[data-name]").textContent = file.name || "Pasted image";
    this.row.querySelector("[data-size]").textContent = sizeText(file.size);
    // The file name is only a hint: it may say more than its owner means to publish.
    this.fields.title.placeholder = file.name || "Optional";
    this.progress.setAttribute("aria-label", `Upload of ${file.name || "pasted image"}`);
    this.wireLinks();
    this.showPreview();
    this.row.addEventListener("click", (event) => {
      const action = event.target.closest("[data-action]")?.dataset.action;
      if (action) this[action]();
    });
    const reason = refusal(file, limits);
    this.setState(reason ? "refused" : "ready", reason || "Ready to upload");
  }

  wireLinks() {
    for (const [index, field] of this.row.querySelectorAll("[data-link]").entries()) {
      field.id = `${this.id}-link-${index}`;
      field.closest(".copy-row").querySelector("button").dataset.copyTarget = field.id;
    }
  }

  showPreview() {
    const img = this.row.querySelector(".queue-preview img");
    this.previewUrl = URL.createObjectURL(this.file);
    // HEIC, TIFF and others the browser cannot draw: a plain tile instead of a broken icon.
    img.addEventListener("error", () => img.replaceWith(this.tile()), { once: true });
    img.src = this.previewUrl;
  }

  tile() {
    const tile = document.createElement("span");
    tile.className = "no-preview";
    tile.textContent = (this.file.name.split(".").pop() || "file").slice(0, 5).toUpperCase();
    return tile;
  }

  /** States: ready, waiting, uploading, processing, done, duplicate, failed, cancelled, refused. */
  setState(state, message) {
    this.state = state;
    this.row.dataset.state = state;
    this.status.textContent = message;
    const busy = ["waiting", "uploading", "processing"].includes(state);
    const finished = state === "done" || state === "duplicate";
    this.progress.hidden = !busy;
    // Sent (or never to be sent), the title and alt text are no longer choices.
    this.row.querySelector(".queue-fields").hidden = finished || state === "refused";
    for (const input of Object.values(this.fields)) input.disabled = busy;
    this.button("cancel").hidden = !["waiting", "uploading"].includes(state);
    this.button("retry").hidden = !["failed", "cancelled"].includes(state);
    this.button("remove").hidden = busy || finished;
    this.hooks.onChange(this);
  }

  button(action) {
    return this.row.querySelector(`[data-action="${action}"]`);
  }

  /** Queue it with the batch's `options` (visibility, album). */
  enqueue(options) {
    this.options = options;
    this.progress.value = 0;
    this.setState("waiting", "Waiting…");
  }

  /** Send it; resolves when it has finished, whatever the outcome. */
  send(endpoint, xsrf) {
    return new Promise((resolve) => {
      const body = new FormData();
      for (const [name, input] of Object.entries(this.fields)) body.append(name, input.value.trim());
      for (const [name, value] of Object.entries(this.options)) if (value) body.append(name, value);
      body.append("file", this.file, this.file.name || "pasted.png");
      const xhr = (this.xhr = new XMLHttpRequest());
      xhr.open("POST", endpoint);
      xhr.responseType = "json";
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-XSRFToken", xsrf);
      xhr.upload.addEventListener("progress", (event) => {
        if (!event.lengthComputable) return;
        const percent = Math.floor((event.loaded / event.total) * 100);
        this.progress.value = percent;
        this.status.textContent = `Uploading… ${percent} %`;
      });
      // Every byte is sent: the server now decodes the image and makes its sizes.
      xhr.upload.addEventListener("load", () => {
        this.progress.value = 100;
        this.setState("processing", "Processing…");
      });
      xhr.addEventListener("load", () => this.finish(xhr.status, xhr.response));
      xhr.addEventListener("error", () => this.setState("failed", "The connection failed. Retry?"));
      xhr.addEventListener("abort", () => this.setState("cancelled", "Cancelled."));
      xhr.addEventListener("loadend", () => { this.xhr = null; resolve(); });
      this.setState("uploading", "Uploading… 0 %");
      xhr.send(body);
    });
  }

  finish(status, response) {
    const image = status === 201 ? response?.images?.[0] : null;
    if (!image) {
      const message = response?.error?.message || `The server answered ${status}.`;
      this.setState("failed", message);
      return;
    }
    if (image.title) this.row.querySelector("[data-name]").textContent = image.title;
    if (!image.page_url) { // a guest's upload through a drop link: nothing to link to
      this.setState("done", "Sent: it waits for the owner's approval.");
      return;
    }
    this.showResult(image);
    if (image.duplicate) this.setState("duplicate", "Already in your gallery: ");
    else this.setState("done", "Uploaded: ");
    const link = document.createElement("a");
    link.href = image.page_url;
    link.textContent = image.duplicate ? "see it" : "open its page";
    this.status.append(link);
  }

  showResult(image) {
    const links = this.row.querySelector("[data-links]");
    links.querySelector('[data-link="page"]').value = image.page_url;
    links.querySelector('[data-link="full"]').value = image.urls.full;
    links.hidden = false;
    const thumb = new Image(96, 96);
    thumb.alt = "";
    thumb.src = image.urls.thumb;
    // Swap once decoded, so the preview never blinks.
    thumb.decode().then(() => {
      this.row.querySelector(".queue-preview").replaceChildren(thumb);
      this.releasePreview();
    }, () => {});
  }

  cancel() {
    if (this.xhr) this.xhr.abort();
    else this.setState("cancelled", "Cancelled.");
  }

  retry() {
    this.hooks.onRetry(this);
  }

  remove() {
    this.releasePreview();
    this.row.remove();
    this.setState("removed", "");
  }

  releasePreview() {
    if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
    this.previewUrl = null;
  }
}

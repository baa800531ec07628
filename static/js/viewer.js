// The in-page image viewer. A link marked data-viewer-item (thumbnails, the image page's
// picture) opens its picture fitted to the window instead of leaving the page; its
// data-* attributes say everything shown, so opening needs no request but the picture's.
// The viewer moves through the other items of the same [data-viewer-group] with the arrow
// keys, a swipe or its buttons, zooms (see zoom.js) and closes with Escape. While it is
// open the address bar shows the image's own page (history.pushState), so a reload or a
// copied address lands there, and Back closes it.

import { ZoomPan } from "./zoom.js";

const STATE_KEY = "pixvaultViewer";

function element(tag, className, attributes = {}) {
  const node = document.createElement(tag);
  node.className = className;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function button(className, label, text) {
  const node = element("button", `viewer-button ${className}`, { type: "button", "aria-label": label });
  node.textContent = text;
  return node;
}

class Viewer {
  constructor() {
    this.dialog = element("dialog", "viewer", { "aria-label": "Image viewer" });
    this.stage = element("div", "viewer-stage");
    this.img = element("img", "viewer-img", { draggable: "false", decoding: "async" });
    this.stage.append(this.img);
    this.closeButton = button("viewer-close", "Close", "×");
    this.prevButton = button("viewer-prev", "Previous image", "‹");
    this.nextButton = button("viewer-next", "Next image", "›");
    this.zoomButton = button("viewer-zoom", "Zoom to 100 %", "100 %");
    this.zoomButton.setAttribute("aria-pressed", "false");
    this.title = element("h2", "viewer-title", { id: "viewer-title" });
    this.counter = element("span", "viewer-count");
    this.pageLink = element("a", "viewer-page");
    this.pageLink.textContent = "Image page";
    this.status = element("p", "visually-hidden", { "aria-live": "polite" });
    const bar = element("div", "viewer-bar");
    bar.append(this.title, this.counter, this.zoomButton, this.pageLink);
    this.dialog.append(this.stage, this.prevButton, this.nextButton, this.closeButton, bar,
      this.status);
    this.dialog.setAttribute("aria-labelledby", "viewer-title");
    document.body.append(this.dialog);

    this.zoom = new ZoomPan(this.stage, this.img, {
      onSwipe: (step) => this.step(step),
      onChange: (width, zoomed) => this.zoomed(width, zoomed),
    });
    this.closeButton.addEventListener("click", () => this.close());
    this.prevButton.addEventListener("click", () => this.step(-1));
    this.nextButton.addEventListener("click", () => this.step(1));
    this.zoomButton.addEventListener("click", () => this.zoom.toggle());
    this.dialog.addEventListener("cancel", (event) => {
      event.preventDefault(); // Escape: close through history, like the button
      this.close();
    });
    this.dialog.addEventListener("keydown", (event) => this.key(event));
    this.img.addEventListener("load", () => this.stage.classList.remove("loading"));
    this.img.addEventListener("error", () => {
      this.stage.classList.remove("loading");
      this.status.textContent = "This image could not be loaded.";
    });
    window.addEventListener("resize", () => this.dialog.open && this.zoom.fit());
    window.addEventListener("popstate", () => this.dialog.open && this.hide());
  }

  /** Open on `items[index]` (links with data-viewer-item); `origin` gets focus back. */
  open(items, index, origin) {
    this.items = items;
    this.origin = origin;
    this.documentTitle = document.title;
    this.dialog.showModal();
    this.show(index);
    history.pushState({ [STATE_KEY]: true }, "", this.pageOf(this.items[index]));
    this.closeButton.focus();
  }

  pageOf(item) {
    return item.dataset.page || item.getAttribute("href");
  }

  show(index) {
    this.index = index;
    const item = this.items[index];
    const data = item.dataset;
    const title = data.title || "";
    this.stage.classList.add("loading");
    this.status.textContent = "";
    // Drop the previous picture first, so it never shows at the new one's size.
    this.img.removeAttribute("src");
    this.img.removeAttribute("srcset");
    this.img.alt = title || "Image";
    this.largeWidth = Number(data.largeWidth);
    this.zoom.load(Number(data.width), Number(data.height));
    this.img.srcset = `${data.large} ${data.largeWidth}w, ${data.full} ${data.width}w`;
    this.img.src = data.large;
    this.title.textContent = title || "Untitled";
    this.counter.textContent = this.items.length > 1 ? `${index + 1} of ${this.items.length}` : "";
    this.pageLink.href = this.pageOf(item);
    this.prevButton.hidden = index === 0;
    this.nextButton.hidden = index === this.items.length - 1;
    document.title = `${title || "Image"} · Pixvault`;
    this.preload(index - 1);
    this.preload(index + 1);
  }

  /** Fetch a neighbour's fitted picture ahead, so stepping to it shows at once. */
  preload(index) {
    const item = this.items[index];
    if (item) new Image().src = item.dataset.large;
  }

  /** Called on every zoom change with the picture's displayed width. */
  zoomed(width, zoomed) {
    // Fitted, `large` is enough (sizes caps the choice to it); zoomed, the srcset picks
    // `full` once `large` would be enlarged.
    const sizes = zoomed ? Math.ceil(width) : Math.floor(this.largeWidth / devicePixelRatio);
    this.img.sizes = `${sizes}px`;
    this.zoomButton.setAttribute("aria-pressed", String(zoomed));
    this.zoomButton.textContent = zoomed ? "Fit" : "100 %";
    this.zoomButton.setAttribute("aria-label", zoomed ? "Fit to the window" : "Zoom to 100 %");
  }

  step(delta) {
    const index = this.index + delta;
    if (index < 0 || index >= this.items.length) return;
    this.show(index);
    history.replaceState({ [STATE_KEY]: true }, "", this.pageOf(this.items[index]));
  }

  key(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const actions = {
      ArrowLeft: () => this.step(-1),
      ArrowRight: () => this.step(1),
      "+": () => this.zoom.zoomTo(this.zoom.scale * 1.5),
      "=": () => this.zoom.zoomTo(this.zoom.scale * 1.5),
      "-": () => this.zoom.zoomTo(this.zoom.scale / 1.5),
      0: () => this.zoom.fit(),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  }

  /** Close by going back in history: the page's own address returns, and `hide` runs. */
  close() {
    if (history.state?.[STATE_KEY]) history.back();
    else this.hide();
  }

  hide() {
    this.dialog.close();
    this.img.removeAttribute("src");
    this.img.removeAttribute("srcset");
    document.title = this.documentTitle;
    // Focus the thumbnail of the picture last seen, so the keyboard carries on from there.
    const last = this.items[this.index];
    (last?.isConnected ? last : this.origin)?.focus();
  }
}

let viewer;

document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[data-viewer-item]");
  if (!link || event.defaultPrevented || event.button !== 0
      || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  const group = link.closest("[data-viewer-group]") || document;
  const items = [...group.querySelectorAll("a[data-viewer-item]")];
  viewer ||= new Viewer();
  viewer.open(items, items.indexOf(link), link);
});

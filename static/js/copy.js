// Copy buttons: <button type="button" data-copy-target="ID"> copies the value of the
// read-only field with that id and says "Copied", on the button and to screen readers.
//
//   import { wireCopyButtons } from "./copy.js";
//   wireCopyButtons(document);
//
// One click listener on `root` serves every copy button inside it, including buttons added
// later (an upload queue's results), and wiring the same root twice does nothing.

const wired = new WeakSet();
const handled = new WeakSet(); // a click seen by a nested root is not handled again
const SHOWN_MS = 1800;

/** Make every [data-copy-target] button inside `root` (now or later) copy its field. */
export function wireCopyButtons(root = document) {
  if (wired.has(root)) return;
  wired.add(root);
  liveRegion(); // present before the first message, so screen readers announce it
  root.addEventListener("click", (event) => {
    const button = event.target.closest?.("[data-copy-target]");
    if (!button || handled.has(event)) return;
    handled.add(event);
    const field = document.getElementById(button.dataset.copyTarget);
    if (field) copyField(field).then((done) => announce(button, done ? "Copied" : "Press Ctrl+C to copy"));
  });
}

async function copyField(field) {
  try {
    await navigator.clipboard.writeText(field.value);
    return true;
  } catch {
    // No clipboard API (a site on plain HTTP is not a secure context) or no permission:
    // the older command still copies a selection there; if not, the text stays selected
    // for the person to copy.
    field.focus();
    field.select();
    return document.execCommand("copy");
  }
}

function announce(button, message) {
  liveRegion().textContent = "";
  // A new text node in the next frame: repeated "Copied" is announced each time.
  requestAnimationFrame(() => { liveRegion().textContent = message; });
  if (!button.dataset.copyLabel) button.dataset.copyLabel = button.textContent;
  button.textContent = message;
  clearTimeout(Number(button.dataset.copyTimer));
  button.dataset.copyTimer = String(setTimeout(() => {
    button.textContent = button.dataset.copyLabel;
  }, SHOWN_MS));
}

let region = null;

/** The page's polite live region for copy confirmations (visually hidden). */
function liveRegion() {
  if (region?.isConnected) return region;
  region = document.querySelector("[data-copy-status]");
  if (!region) {
    region = document.createElement("p");
    region.dataset.copyStatus = "";
    region.setAttribute("aria-live", "polite");
    // Styles set from script are allowed by the CSP; this keeps the module self-contained.
    Object.assign(region.style, {
      position: "absolute", width: "1px", height: "1px", margin: "-1px", padding: "0",
      overflow: "hidden", clip: "rect(0 0 0 0)", whiteSpace: "nowrap", border: "0",
    });
    document.body.append(region);
  }
  return region;
}

// Files dropped anywhere on a signed-in page. While files are dragged over the window a
// full-window drop target appears. On the upload page the dropped files join its queue;
// on any other page they are handed to the upload page, and the browser goes there.
//
// Why go to /upload rather than open a queue in place: the upload page is where the limits,
// the visibility and album choices, and the per-file titles and alt text live, so there is
// one queue to build and learn, the address bar says where the person is, and back and
// reload behave as usual. File objects cannot travel in the URL or sessionStorage, so the
// hand-over goes through IndexedDB, which stores them, and is emptied when taken.

const DB_NAME = "pixvault-drop";
const STORE = "files";
const KEY = "dropped";
const HANDED_OVER = "#dropped"; // the upload page looks in IndexedDB only when it sees this
const FRESH_MS = 2 * 60 * 1000; // an older hand-over (a navigation that failed) is thrown away

let receiver = null;

/** On the upload page: dropped files go to `callback(files)` instead of a new page. */
export function receiveDrops(callback) {
  receiver = callback;
}

/** Show the drop target while files are dragged over the window; send drops to `uploadUrl`. */
export function startDropTarget(uploadUrl) {
  const overlay = document.createElement("div");
  overlay.className = "drop-target";
  overlay.hidden = true;
  // A pointer-only affordance: keyboard and screen-reader users have the file picker.
  overlay.setAttribute("aria-hidden", "true");
  const label = document.createElement("p");
  overlay.append(label);
  document.body.append(overlay);

  const carriesFiles = (event) => event.dataTransfer?.types.includes("Files");
  let depth = 0; // dragenter/dragleave fire for every element crossed: count them
  const show = (text) => { label.textContent = text; overlay.hidden = false; };
  const hide = () => { depth = 0; overlay.hidden = true; };

  window.addEventListener("dragenter", (event) => {
    if (!carriesFiles(event)) return;
    depth += 1;
    show("Drop images to upload them");
  });
  window.addEventListener("dragleave", (event) => {
    if (carriesFiles(event) && --depth <= 0) hide();
  });
  window.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = "copy";
  });
  window.addEventListener("drop", async (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault(); // never let the browser open the file in place of the page
    const files = [...event.dataTransfer.files];
    if (receiver || !files.length) {
      hide();
      if (files.length) receiver(files);
      return;
    }
    show("Opening the upload page…");
    try {
      await inStore((store) => store.put({ files, at: Date.now() }, KEY));
    } catch {
      // No IndexedDB (a private window in an older browser): the page opens without them.
    }
    location.assign(uploadUrl + HANDED_OVER);
  });
}

/** Files another page handed over (once; [] if none), clearing the marker from the URL. */
export async function takeDroppedFiles() {
  if (location.hash !== HANDED_OVER) return [];
  history.replaceState(null, "", location.pathname + location.search);
  try {
    const entry = await inStore((store) => {
      const found = store.get(KEY);
      store.delete(KEY); // runs after the get, in the same transaction
      return found;
    });
    return entry && Date.now() - entry.at < FRESH_MS ? entry.files : [];
  } catch {
    return [];
  }
}

function settle(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Run `makeRequest(store)` in a read-write transaction; its result once committed. */
async function inStore(makeRequest) {
  const opening = indexedDB.open(DB_NAME, 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
  const db = await settle(opening);
  try {
    const transaction = db.transaction(STORE, "readwrite");
    const committed = new Promise((resolve, reject) => {
      transaction.oncomplete = resolve;
      transaction.onerror = transaction.onabort = () => reject(transaction.error);
    });
    const result = await settle(makeRequest(transaction.objectStore(STORE)));
    await committed;
    return result;
  } finally {
    db.close();
  }
}

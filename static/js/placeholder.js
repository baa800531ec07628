// Pictures carry their average colour (data-color="#rrggbb", computed at upload): it is
// painted where the picture will appear until the picture has loaded, so a grid shows its
// colours at once instead of blank tiles. The stylesheet gives pictures without a colour
// (uploaded before colours were kept) a neutral tone; data-loaded lifts either once loaded,
// so transparent pictures show the page behind them as before.

const HEX = /^#[0-9a-f]{6}$/i;

/** Paint the colour behind every img[data-color] in `root` that is still loading. */
export function paintPlaceholders(root = document) {
  for (const img of root.querySelectorAll("img[data-color]")) {
    if (img.complete) {
      img.dataset.loaded = "";
      continue;
    }
    if (HEX.test(img.dataset.color)) img.style.backgroundColor = img.dataset.color;
    const loaded = () => {
      img.style.backgroundColor = "";
      img.dataset.loaded = "";
    };
    img.addEventListener("load", loaded, { once: true });
    img.addEventListener("error", loaded, { once: true });
  }
}

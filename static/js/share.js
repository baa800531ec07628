// Share and embed panels, share links and new API tokens: copy buttons (shown only when
// this script runs, since without it they could do nothing) and times in the viewer's zone.

import { wireCopyButtons } from "./copy.js";

for (const button of document.querySelectorAll("[data-copy-target][hidden]")) {
  button.hidden = false;
}
wireCopyButtons(document);

// <time data-local datetime="...Z">2026-12-01 20:49 UTC</time> -> the viewer's own zone.
const format = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  timeZoneName: "short",
});
for (const time of document.querySelectorAll("time[data-local]")) {
  const when = new Date(time.dateTime);
  if (!Number.isNaN(when.getTime())) time.textContent = format.format(when);
}

// What every page runs: pictures show their colour while they load, and signed-in pages
// (the body names the upload page) take image files dropped anywhere.

import { startDropTarget } from "./dropzone.js";
import { paintPlaceholders } from "./placeholder.js";

paintPlaceholders(document);
const uploadUrl = document.body.dataset.uploadUrl;
if (uploadUrl) startDropTarget(uploadUrl);

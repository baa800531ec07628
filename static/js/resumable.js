// Resumable uploads for big files: the tus 1.0.0 protocol against /api/v1/uploads (create,
// HEAD, PATCH in pieces), small enough not to need a library. The upload's URL is kept in
// localStorage under the file's fingerprint (name, size, last change), so after a dropped
// connection, or a reload and the same file picked again, it goes on from the offset the
// server reports instead of starting over.

const TUS = "1.0.0";
const WAITS = [1, 2, 4, 8, 15, 30]; // seconds before each new attempt after a network failure

/** Raised for an answer that trying again will not change; `message` is for people. */
export class UploadRefused extends Error {}

const fingerprint = (file) => `pixvault-upload:${file.name}:${file.size}:${file.lastModified}`;

/** True if an upload of `file` was interrupted here: sending it again continues it. */
export function interrupted(file) {
  return localStorage.getItem(fingerprint(file)) !== null;
}

function base64(text) {
  return btoa(Array.from(new TextEncoder().encode(text), (byte) => String.fromCharCode(byte)).join(""));
}

function metadata(fields) {
  return Object.entries(fields)
    .filter(([, value]) => value)
    .map(([key, value]) => `${key} ${base64(value)}`)
    .join(",");
}

function sleep(seconds) {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

export class ResumableUpload {
  /** `options`: endpoint (the uploads URL), bytes (the piece size), xsrf, fields (the
   *  image's: filename, title, ...), onProgress(bytesStored + bytesInFlight), onWait(seconds). */
  constructor(file, options) {
    this.file = file;
    this.options = options;
    this.key = fingerprint(file);
    this.xhr = null;
    this.aborted = false;
  }

  /** Stop sending (the server keeps what it has until the upload is given up or expires). */
  abort() {
    this.aborted = true;
    this.xhr?.abort();
  }

  /** Give the upload up: stop, and ask the server to forget it. */
  async cancel() {
    this.abort();
    const url = localStorage.getItem(this.key);
    localStorage.removeItem(this.key);
    if (url) await this.call("DELETE", url).catch(() => {});
  }

  /** Send the file; resolves with the upload's JSON (its `image` or `error`). Network
   *  failures are retried, resuming from the server's offset; `UploadRefused` otherwise. */
  async run() {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.attempt();
      } catch (error) {
        if (this.aborted || error instanceof UploadRefused) throw error;
        const wait = WAITS[Math.min(attempt, WAITS.length - 1)];
        this.options.onWait(wait);
        await sleep(wait);
        if (this.aborted) throw new DOMException("Cancelled", "AbortError");
      }
    }
  }

  async attempt() {
    let url = localStorage.getItem(this.key);
    let offset = url ? await this.offset(url) : null;
    if (offset === null) {
      url = await this.create();
      offset = 0;
    }
    while (offset < this.file.size) {
      const end = Math.min(offset + this.options.bytes, this.file.size);
      const answer = await this.call("PATCH", url, {
        "Upload-Offset": String(offset),
        "Content-Type": "application/offset+octet-stream",
      }, this.file.slice(offset, end), (sent) => this.options.onProgress(offset + sent));
      // 409: another attempt got further meanwhile; ask where it stands.
      if (answer.status === 409) offset = await this.offset(url);
      else if (answer.status === 204) offset = Number(answer.getResponseHeader("Upload-Offset"));
      else this.refuse(answer);
      if (offset === null) throw new UploadRefused("The upload was lost; please send the file again.");
    }
    let done = await this.call("GET", url);
    if (done.status === 200 && !done.response.image && !done.response.error) {
      // Every byte is there but the server could not store the image then: ask again.
      const answer = await this.call("PATCH", url, {
        "Upload-Offset": String(this.file.size),
        "Content-Type": "application/offset+octet-stream",
      }, "");
      if (answer.status !== 204) this.refuse(answer);
      done = await this.call("GET", url);
    }
    if (done.status !== 200) this.refuse(done);
    localStorage.removeItem(this.key);
    return done.response;
  }

  /** Where the upload at `url` stands: its offset, or null once the server has forgotten it. */
  async offset(url) {
    const answer = await this.call("HEAD", url);
    if (answer.status === 200) return Number(answer.getResponseHeader("Upload-Offset"));
    if (answer.status !== 404) this.refuse(answer);
    localStorage.removeItem(this.key);
    return null;
  }

  async create() {
    const answer = await this.call("POST", this.options.endpoint, {
      "Upload-Length": String(this.file.size),
      "Upload-Metadata": metadata(this.options.fields),
    });
    if (answer.status !== 201) this.refuse(answer);
    const url = new URL(answer.getResponseHeader("Location"), location.href).pathname;
    localStorage.setItem(this.key, url);
    return url;
  }

  refuse(answer) {
    // Busy or briefly unwell: worth another attempt, which resumes.
    if ([429, 502, 503, 504].includes(answer.status)) throw new Error(`The server answered ${answer.status}.`);
    // The file itself was refused (or the upload is gone): sending it again will not help.
    localStorage.removeItem(this.key);
    throw new UploadRefused(answer.response?.error?.message || `The server answered ${answer.status}.`);
  }

  /** One request; resolves with the finished XHR whatever its status, rejects on a
   *  network failure or an abort. */
  call(method, url, headers = {}, body = null, onSent = null) {
    return new Promise((resolve, reject) => {
      const xhr = (this.xhr = new XMLHttpRequest());
      xhr.open(method, url);
      xhr.responseType = "json";
      xhr.setRequestHeader("Tus-Resumable", TUS);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-XSRFToken", this.options.xsrf);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      if (onSent) xhr.upload.addEventListener("progress", (event) => onSent(event.loaded));
      xhr.addEventListener("load", () => resolve(xhr));
      xhr.addEventListener("error", () => reject(new Error("The connection failed.")));
      xhr.addEventListener("abort", () => reject(new DOMException("Cancelled", "AbortError")));
      xhr.send(body);
    });
  }
}

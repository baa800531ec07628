// Passkeys. A form marked data-passkey="create" (add one) or "get" (sign in with one) asks
// the server for WebAuthn options (POST to its action + "/options"), hands them to the
// browser's authenticator, and posts the answer in its `credential` field as a plain form,
// so the server answers as it does every form: a redirect, or the page with its error.
// Without WebAuthn's JSON helpers the forms stay hidden and the rest of the page works.

// WebAuthn refuses a site reached by IP address: no button that can only fail.
const byAddress = /^[\d.]+$|^\[/.test(location.hostname);
const supported = !byAddress && typeof PublicKeyCredential === "function"
  && typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function"
  && typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";

const MESSAGES = {
  NotAllowedError: "The passkey request was cancelled or timed out.",
  InvalidStateError: "This authenticator already holds a passkey for your account.",
  SecurityError: "Passkeys need a secure connection to this site.",
};

async function fetchOptions(form) {
  const fields = new FormData(form);
  fields.delete("credential");
  const response = await fetch(`${form.action}/options`, {
    method: "POST", body: fields, credentials: "same-origin",
    headers: { Accept: "application/json", "X-XSRFToken": fields.get("_xsrf") },
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error?.message || `The server answered ${response.status}.`);
  return body;
}

async function askAuthenticator(form, options) {
  if (form.dataset.passkey === "create") {
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
    return navigator.credentials.create({ publicKey });
  }
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
  return navigator.credentials.get({ publicKey });
}

async function run(form, error) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  error.hidden = true;
  try {
    const credential = await askAuthenticator(form, await fetchOptions(form));
    form.elements.credential.value = JSON.stringify(credential.toJSON());
    // The password or code proved who asked for the options; the answer needs no copy.
    for (const name of ["current_password", "code"]) {
      if (form.elements[name]) form.elements[name].value = "";
    }
    form.submit();
  } catch (problem) {
    error.textContent = MESSAGES[problem.name] || problem.message;
    error.hidden = false;
    button.disabled = false;
  }
}

if (supported) {
  for (const form of document.querySelectorAll("form[data-passkey]")) {
    const error = form.querySelector("[data-passkey-error]");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run(form, error);
    });
    form.hidden = false;
  }
  for (const note of document.querySelectorAll("[data-passkey-unsupported]")) note.hidden = true;
}

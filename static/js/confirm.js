// Asks before a destructive form goes through. A form, or the submit button used, with
// data-confirm="question" (and optionally data-confirm-button="label") opens a <dialog>;
// OK submits the form with confirm=1, which the server requires. Without JavaScript the
// server shows its own confirmation page instead.

let dialog, question, okButton, cancelButton;

function build() {
  dialog = document.createElement("dialog");
  dialog.className = "confirm-dialog";
  dialog.setAttribute("aria-labelledby", "confirm-question");
  const form = document.createElement("form");
  form.method = "dialog";
  question = document.createElement("p");
  question.id = "confirm-question";
  const actions = document.createElement("div");
  actions.className = "actions";
  cancelButton = document.createElement("button");
  cancelButton.value = "cancel";
  cancelButton.className = "button secondary";
  cancelButton.textContent = "Cancel";
  okButton = document.createElement("button");
  okButton.value = "ok";
  okButton.className = "button danger";
  actions.append(cancelButton, okButton);
  form.append(question, actions);
  dialog.append(form);
  document.body.append(dialog);
}

/** Show `text` in the dialog; resolves true when the person chose `label` (default OK). */
export function ask(text, label) {
  if (!dialog) build();
  question.textContent = text;
  okButton.textContent = label || "OK";
  dialog.returnValue = "";
  dialog.showModal();
  cancelButton.focus(); // the safe choice is the default one
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  const source = event.submitter?.dataset.confirm ? event.submitter : form;
  const text = source.dataset?.confirm;
  if (!text || form.querySelector("input[name=confirm]")) return;
  event.preventDefault();
  if (!(await ask(text, source.dataset.confirmButton))) return;
  const flag = document.createElement("input");
  flag.type = "hidden";
  flag.name = "confirm";
  flag.value = "1";
  form.append(flag);
  form.requestSubmit(event.submitter || undefined);
  // The form's data is taken during requestSubmit: a page restored from the back/forward
  // cache must ask again.
  flag.remove();
});

// The gallery's selection: a shift-click selects the range from the last box clicked,
// "Select all on this page" selects every box, a live count says how many are selected,
// and the bulk actions wait until something is selected (and no more than the server's
// data-max-selected). Without JavaScript the boxes and buttons work as a plain form.

const form = document.querySelector("form#bulk");

if (form) {
  const boxes = [...form.querySelectorAll("input.pick")];
  const selectAll = form.querySelector("[data-select-all]");
  const count = form.querySelector("[data-selected-count]");
  const actions = [...form.querySelectorAll("button[name=action]")];
  const deleteButton = form.querySelector("button[value=delete]");
  const limit = Number(form.dataset.maxSelected);
  let anchor = null; // the box last clicked: one end of a shift-click range

  const update = () => {
    const selected = boxes.filter((box) => box.checked).length;
    const over = selected > limit;
    count.textContent = over
      ? `${selected} selected: at most ${limit} at a time`
      : selected ? `${selected} selected` : "";
    for (const action of actions) action.disabled = selected === 0 || over;
    form.classList.toggle("has-selection", selected > 0);
    selectAll.checked = selected === boxes.length;
    selectAll.indeterminate = selected > 0 && selected < boxes.length;
    const images = selected === 1 ? "this image" : `these ${selected} images`;
    // Only deleting for good asks (no trash); moving to the trash offers Undo instead.
    if (deleteButton.dataset.confirm) deleteButton.dataset.confirm = `Delete ${images}? Share links to ${selected === 1 ? "it" : "them"} `
      + "stop working and the albums lose them. This cannot be undone.";
  };

  form.addEventListener("click", (event) => {
    const box = event.target.closest("input.pick");
    if (!box) return;
    if (event.shiftKey && anchor && anchor !== box) {
      const [from, to] = [boxes.indexOf(anchor), boxes.indexOf(box)].sort((a, b) => a - b);
      for (const other of boxes.slice(from, to + 1)) other.checked = box.checked;
    }
    anchor = box;
    update();
  });
  form.addEventListener("change", update); // keyboard (Space) toggles fire change only
  selectAll.addEventListener("change", () => {
    for (const box of boxes) box.checked = selectAll.checked;
    update();
  });
  selectAll.closest("label").hidden = false;
  form.classList.add("selecting");
  update();
}

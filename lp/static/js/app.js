// LP-tracker: progressive enhancements only; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Ask for confirmation before a destructive action marked with data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
  // Submit a filter form as soon as one of its selects changes.
  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
  // A print button (the browser's own print command works without it).
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
  // "Select all on this page" for a list's bulk work (without it each row is ticked by hand,
  // or "select all that match" is used, which the server resolves).
  document.querySelectorAll("input[data-select-page]").forEach((all) => {
    const boxes = () => document.querySelectorAll(`input[name="ids"][form="${all.dataset.selectPage}"]`);
    all.hidden = false;
    all.addEventListener("change", () => {
      boxes().forEach((box) => { box.checked = all.checked; });
    });
  });
});

// LP-tracker: the typeahead of a filter that has hundreds of choices (countries, case
// officers). The page ships an empty <datalist>; on the first focus of its input the
// options come from a small JSON endpoint (data-options-url) and fill the list, so the
// hundreds of <option>s are not sent with every page. Without JavaScript the input still
// works: the server accepts a typed name or code.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-options-url][list]").forEach((input) => {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list) {
      return;
    }
    let loaded = false;
    const load = () => {
      if (loaded) {
        return;
      }
      loaded = true;
      fetch(input.dataset.optionsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : { options: [] }))
        .then((data) => {
          const fragment = document.createDocumentFragment();
          for (const { value, label } of data.options) {
            const option = document.createElement("option");
            option.value = value;
            option.label = label;
            fragment.append(option);
          }
          list.replaceChildren(fragment);
        })
        .catch(() => {
          loaded = false; // try again on the next focus
        });
    };
    input.addEventListener("focus", load);
    input.addEventListener("input", load);
  });
});

// LP-tracker: a live character count under every text with a limit (data-char-count-for).
// The browser's maxlength would cut a pasted text without a word; instead the count
// turns red past the limit and the server refuses the text with its own message.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-char-count-for]").forEach((counter) => {
    const field = document.getElementById(counter.dataset.charCountFor);
    if (!field) {
      return;
    }
    const max = Number(field.dataset.maxChars);
    const update = () => {
      // Count as the server does: characters (not UTF-16 units), a line break sent as CR LF.
      const count = [...field.value.replace(/\r?\n/g, "\r\n")].length;
      const over = count - max;
      const template = over > 0 ? counter.dataset.over : counter.dataset.template;
      counter.textContent = template.replace("{count}", count).replace("{over}", over);
      counter.classList.toggle("text-danger", over > 0);
    };
    field.addEventListener("input", update);
    update();
  });
});

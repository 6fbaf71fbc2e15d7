// Progressive enhancement only: the form works without this file.
// Leave empty choices out of the query string so shared result links stay short and readable.
document.querySelectorAll("form.search").forEach((form) => {
  form.addEventListener("formdata", (event) => {
    for (const [name, value] of [...event.formData.entries()]) {
      if (value === "" && name !== "problem") event.formData.delete(name);
    }
  });
});

// The print button needs script to work, so it stays hidden until script runs.
document.querySelectorAll("button[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});

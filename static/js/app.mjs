// Progressive enhancement only: every journey works without this file.
import { initAll } from "../dist/govuk-frontend.min.js";
import { initEditors } from "./editor.mjs";
import { initReveals } from "./reveal.mjs";

document.body.classList.add("govuk-frontend-supported");
initAll();

// The header's account menu is a <details>: it opens and closes by itself, keyboard included. Here it also
// closes on Escape (focus back on its summary) and on a click or focus anywhere else on the page.
const accountMenu = document.getElementById("account-menu");
if (accountMenu) {
  const summary = accountMenu.querySelector("summary");
  accountMenu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && accountMenu.open) {
      accountMenu.open = false;
      summary.focus();
    }
  });
  const closeFromOutside = (event) => {
    if (accountMenu.open && !accountMenu.contains(event.target)) {
      accountMenu.open = false;
    }
  };
  document.addEventListener("click", closeFromOutside);
  document.addEventListener("focusin", closeFromOutside);
}

initEditors();
initReveals();
// Forms htmx swaps in (a reply form opened under a post) get their editors too.
document.addEventListener("htmx:load", (event) => initEditors(event.target));

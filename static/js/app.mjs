// Progressive enhancement only: every journey works without this file.
import { initAll } from "../dist/govuk-frontend.min.js";
import { initEditors } from "./editor.mjs";

document.body.classList.add("govuk-frontend-supported");
initAll();
initEditors();
// Forms htmx swaps in (a reply form opened under a post) get their editors too.
document.addEventListener("htmx:load", (event) => initEditors(event.target));

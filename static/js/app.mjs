// Progressive enhancement only: every journey works without this file.
import { initAll } from "../dist/govuk-frontend.min.js";

document.body.classList.add("govuk-frontend-supported");
initAll();

// Fields shown under a choice of radios, for more than one of the choices (an event's joining link for
// online and hybrid events): GOV.UK Frontend's conditional reveal ties one container to one radio.
// <div data-khub-reveal="format" data-khub-reveal-for="online hybrid"> shows while a radio named "format"
// with one of those values is chosen. Without JavaScript every container shows.
const HIDDEN = "govuk-radios__conditional--hidden";

export function initReveals(root = document) {
  for (const container of root.querySelectorAll("[data-khub-reveal]")) {
    const form = container.closest("form");
    const name = container.dataset.khubReveal;
    const values = container.dataset.khubRevealFor.split(" ");
    const radios = [...(form || document).querySelectorAll(`input[type="radio"][name="${name}"]`)];
    const sync = () => {
      const chosen = radios.find((radio) => radio.checked);
      container.classList.toggle(HIDDEN, !chosen || !values.includes(chosen.value));
    };
    for (const radio of radios) {
      radio.addEventListener("change", sync);
    }
    sync();
  }
}

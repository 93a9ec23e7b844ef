// Markdown fields (templates/forms/govuk/markdown.html): Write and Preview tabs, and a formatting toolbar.
// Progressive enhancement only: without this file each field has a Preview button that posts the form.
//
// The tabs follow the WAI-ARIA tabs pattern (arrow keys, Home and End move between them); the preview is
// rendered by the server (the endpoint in data-preview-url, khub.views.markdown_preview) and lands in a
// polite live region. The toolbar follows the toolbar pattern: one tab stop, arrow keys move inside it.

const TOOLS = [
  { name: "Bold", label: "Bold", wrap: ["**", "**"], sample: "bold text" },
  { name: "Italic", label: "Italic", wrap: ["*", "*"], sample: "italic text" },
  { name: "Link", label: "Link", link: true },
  { name: "Bulleted list", label: "List", prefix: "- " },
  { name: "Quote", label: "Quote", prefix: "> " },
];

let counter = 0;

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

// --- The toolbar: Markdown around the selection -------------------------------------------------------
function replaceSelection(textarea, text, selectFrom, selectTo) {
  const start = textarea.selectionStart;
  textarea.focus();
  textarea.setRangeText(text, start, textarea.selectionEnd, "end");
  textarea.setSelectionRange(start + selectFrom, start + selectTo);
  // The character count (and anything else listening) hears about the change.
  textarea.dispatchEvent(new Event("input", { bubbles: true }));
}

function applyTool(textarea, tool) {
  const selected = textarea.value.slice(textarea.selectionStart, textarea.selectionEnd);
  if (tool.wrap) {
    const [before, after] = tool.wrap;
    const inner = selected || tool.sample;
    replaceSelection(textarea, before + inner + after, before.length, before.length + inner.length);
  } else if (tool.link) {
    const isUrl = /^https?:\/\/\S+$/.test(selected);
    const label = isUrl ? "link text" : selected || "link text";
    const url = isUrl ? selected : "https://";
    const text = `[${label}](${url})`;
    // Select what is left to type: the address, or the link text when the address was selected.
    if (isUrl) replaceSelection(textarea, text, 1, 1 + label.length);
    else replaceSelection(textarea, text, label.length + 3, label.length + 3 + url.length);
  } else {
    // A list or a quote: the prefix at the start of every line the selection touches.
    const lineStart = textarea.value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    textarea.setSelectionRange(lineStart, textarea.selectionEnd);
    const lines = textarea.value.slice(lineStart, textarea.selectionEnd).split("\n");
    const text = lines.map((line) => tool.prefix + line).join("\n");
    replaceSelection(textarea, text, text.length, text.length);
  }
}

function buildToolbar(textarea) {
  const toolbar = element("div", {
    class: "khub-editor__toolbar",
    role: "toolbar",
    "aria-label": "Formatting",
    "aria-controls": textarea.id,
  });
  const buttons = TOOLS.map((tool, index) => {
    const button = element(
      "button",
      {
        type: "button",
        class: `khub-editor__tool khub-editor__tool--${tool.label.toLowerCase()}`,
        tabindex: index === 0 ? "0" : "-1",
      },
      tool.label,
    );
    if (tool.name !== tool.label) button.setAttribute("aria-label", tool.name);
    button.addEventListener("click", () => applyTool(textarea, tool));
    toolbar.append(button);
    return button;
  });
  toolbar.addEventListener("keydown", (event) => {
    const at = buttons.indexOf(document.activeElement);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (at < 0 || next === undefined) return;
    event.preventDefault();
    const target = buttons[(next + buttons.length) % buttons.length];
    for (const button of buttons) button.tabIndex = button === target ? 0 : -1;
    target.focus();
  });
  return toolbar;
}

// --- Write and Preview --------------------------------------------------------------------------------
async function loadPreview(editor, textarea, region) {
  const form = textarea.form;
  const body = new URLSearchParams({
    text: textarea.value,
    max_length: editor.dataset.maxlength || "",
    csrfmiddlewaretoken: form?.querySelector("input[name=csrfmiddlewaretoken]")?.value || "",
  });
  region.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(editor.dataset.previewUrl, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    });
    if (!response.ok) throw new Error(`preview: ${response.status}`);
    // The server's own fragment, rendered and sanitised as on save (core.markdown).
    region.innerHTML = await response.text();
  } catch {
    region.replaceChildren(
      element("p", { class: "govuk-body" }, "The preview could not be shown. Try again in a moment."),
    );
  } finally {
    region.removeAttribute("aria-busy");
  }
}

function buildTabs(editor) {
  const textarea = editor.querySelector("textarea");
  const write = editor.querySelector(".khub-editor__write");
  const preview = editor.querySelector(".khub-editor__preview");
  const region = editor.querySelector(".khub-editor__preview-body");
  const id = textarea.id || `khub-editor-${++counter}`;

  // The Preview button is for pages without JavaScript; removed, it cannot become the form's default
  // button (Enter in a text field would press it).
  editor.querySelector(".khub-editor__preview-button")?.remove();
  preview.removeAttribute("autofocus");

  const tablist = element("div", {
    class: "khub-editor__tabs",
    role: "tablist",
    // Not the field's own label: that names the textarea alone.
    "aria-label": "Write or preview",
  });
  const tabs = [
    [write, "Write"],
    [preview, "Preview"],
  ].map(([panel, name]) => {
    const tab = element(
      "button",
      { type: "button", role: "tab", class: "khub-editor__tab", id: `${id}-${name.toLowerCase()}-tab` },
      name,
    );
    tab.setAttribute("aria-controls", panel.id);
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", tab.id);
    // The preview may hold nothing to focus: the panel itself takes the focus after its tab.
    if (panel === preview) panel.tabIndex = 0;
    tablist.append(tab);
    return { tab, panel };
  });
  // The preview's own heading would repeat the tab's name: the tab labels the panel.
  preview.querySelector(".khub-editor__preview-title")?.classList.add("govuk-visually-hidden");

  function select(chosen, focus) {
    for (const item of tabs) {
      const on = item === chosen;
      item.tab.setAttribute("aria-selected", String(on));
      item.tab.tabIndex = on ? 0 : -1;
      item.tab.classList.toggle("khub-editor__tab--selected", on);
      item.panel.hidden = !on;
    }
    if (focus) chosen.tab.focus();
    if (chosen.panel === preview) loadPreview(editor, textarea, region);
  }

  for (const item of tabs) item.tab.addEventListener("click", () => select(item, false));
  tablist.addEventListener("keydown", (event) => {
    const at = tabs.findIndex((item) => item.tab === document.activeElement);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (at < 0 || next === undefined) return;
    event.preventDefault();
    select(tabs[(next + tabs.length) % tabs.length], true);
  });

  write.before(tablist);
  write.prepend(buildToolbar(textarea));
  select(tabs[0], false);
}

export function initEditors(scope = document) {
  for (const editor of scope.querySelectorAll("[data-khub-editor]")) {
    if (editor.dataset.khubEditorReady) continue;
    editor.dataset.khubEditorReady = "true";
    buildTabs(editor);
  }
}

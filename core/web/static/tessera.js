// Tessera web client: small progressive enhancements. Every page works without it.
"use strict";
document.documentElement.classList.add("js");

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

// Buttons that ask first (delete...).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// Lists: the whole row opens the record; selection and the Actions menu.
function updateSelection(form) {
  const boxes = $$("input[name=ids]", form);
  const count = boxes.filter((b) => b.checked).length;
  const label = $("[data-selected-count]", form);
  if (label) label.textContent = count ? `${count} selected` : "";
  const actions = $("[data-actions]", form);
  if (actions) actions.classList.toggle("none-selected", count === 0);
}
document.addEventListener("click", (event) => {
  const row = event.target.closest("tr[data-href]");
  if (!row || event.target.closest("a, input, label, button, select")) return;
  window.location.href = row.dataset.href;
});
document.addEventListener("change", (event) => {
  const form = event.target.closest("[data-list]");
  if (!form) return;
  if (event.target.matches("[data-select-all]")) {
    $$("input[name=ids]", form).forEach((box) => { box.checked = event.target.checked; });
  }
  updateSelection(form);
});
$$("[data-list]").forEach(updateSelection);
$$("[data-list] select[name=action]").forEach((select) => {
  select.addEventListener("change", () => { if (select.value) select.form.requestSubmit(); });
});

// Search box: "Search <field> for: <text>" suggestions.
$$("[data-search]").forEach((search) => {
  const input = $("[data-search-input]", search);
  const list = $("[data-suggestions]", search);
  const fieldSelect = $("[data-search-field]", search);
  if (!input || !list || !fieldSelect) return;
  fieldSelect.hidden = true;
  const items = $$("li", list);
  let active = 0;
  const show = () => {
    const text = input.value.trim();
    list.hidden = !text;
    items.forEach((item, index) => {
      $("[data-echo]", item).textContent = text;
      item.classList.toggle("active", index === active);
    });
  };
  const pick = (index) => {
    fieldSelect.value = items[index].dataset.field;
    input.form.requestSubmit();
  };
  input.addEventListener("input", () => { active = 0; show(); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") { active = Math.min(active + 1, items.length - 1); show(); event.preventDefault(); }
    else if (event.key === "ArrowUp") { active = Math.max(active - 1, 0); show(); event.preventDefault(); }
    else if (event.key === "Enter" && input.value.trim()) { event.preventDefault(); pick(active); }
    else if (event.key === "Escape") { list.hidden = true; }
  });
  items.forEach((item, index) => item.addEventListener("mousedown", (event) => {
    event.preventDefault(); pick(index);
  }));
  input.addEventListener("blur", () => { list.hidden = true; });
});

// Many2one and many2many: suggestions from /web/<model>/autocomplete.
let pending = null;
async function suggest(box, input) {
  const list = $(".suggestions", box);
  const url = `${box.dataset.url}&q=${encodeURIComponent(input.value.trim())}`;
  const request = pending = fetch(url, { headers: { Accept: "application/json" } });
  const response = await request;
  if (request !== pending || !response.ok) return;
  const results = await response.json();
  list.replaceChildren(...results.map((result, index) => {
    const item = document.createElement("li");
    item.setAttribute("role", "option");
    item.dataset.id = result.id;
    item.textContent = result.name;
    if (index === 0) item.classList.add("active");
    return item;
  }));
  if (!results.length) {
    const item = document.createElement("li");
    item.textContent = "Nothing found";
    item.className = "empty";
    list.append(item);
  }
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
}
function choose(box, item) {
  const input = $("[data-display]", box);
  if (!item || !item.dataset.id) return;
  if (box.matches("[data-many2many]")) {
    const tag = document.createElement("label");
    tag.className = "tag";
    const box2 = document.createElement("input");
    Object.assign(box2, { type: "checkbox", name: box.dataset.name, value: item.dataset.id, checked: true });
    box2.dataset.tag = "";
    tag.append(box2, item.textContent);
    input.before(tag);
    input.value = "";
  } else {
    $("[data-id]", box).value = item.dataset.id;
    input.value = item.textContent;
  }
  closeSuggestions(box);
}
function closeSuggestions(box) {
  $(".suggestions", box).hidden = true;
  $("[data-display]", box).setAttribute("aria-expanded", "false");
}
document.addEventListener("input", (event) => {
  const box = event.target.closest("[data-many2one], [data-many2many]");
  if (!box || !event.target.matches("[data-display]")) return;
  if (box.matches("[data-many2one]")) $("[data-id]", box).value = "";
  suggest(box, event.target);
});
document.addEventListener("focusin", (event) => {
  const box = event.target.closest("[data-many2one], [data-many2many]");
  if (box && event.target.matches("[data-display]") && !event.target.value) suggest(box, event.target);
});
document.addEventListener("focusout", (event) => {
  const box = event.target.closest("[data-many2one], [data-many2many]");
  if (box && event.target.matches("[data-display]")) setTimeout(() => closeSuggestions(box), 150);
});
document.addEventListener("mousedown", (event) => {
  const item = event.target.closest(".suggestions li");
  if (!item) return;
  event.preventDefault();
  choose(item.closest("[data-many2one], [data-many2many]"), item);
});
document.addEventListener("keydown", (event) => {
  const box = event.target.closest("[data-many2one], [data-many2many]");
  if (!box || !event.target.matches("[data-display]")) return;
  const list = $(".suggestions", box);
  const items = $$("li[data-id]", list);
  const current = items.findIndex((item) => item.classList.contains("active"));
  const move = (to) => items.forEach((item, index) => item.classList.toggle("active", index === to));
  if (event.key === "ArrowDown" && items.length) { move(Math.min(current + 1, items.length - 1)); event.preventDefault(); }
  else if (event.key === "ArrowUp" && items.length) { move(Math.max(current - 1, 0)); event.preventDefault(); }
  else if (event.key === "Enter" && !list.hidden && items.length) { choose(box, items[Math.max(current, 0)]); event.preventDefault(); }
  else if (event.key === "Escape") closeSuggestions(box);
});
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-tag]") && !event.target.checked) event.target.closest(".tag").hidden = true;
});

// One2many: add a line by copying the empty one with the next index.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-line]");
  if (!button) return;
  const widget = button.closest("[data-one2many]");
  const body = $("[data-lines]", widget);
  const template = $("[data-new-line]", widget);
  const next = $$("tr[data-line]", body).length;
  const name = widget.dataset.name;
  const row = template.cloneNode(true);
  row.removeAttribute("data-new-line");
  $$("[name]", row).forEach((input) => {
    input.name = input.name.replace(new RegExp(`^${name}\\.\\d+\\.`), `${name}.${next}.`);
    if (input.type === "checkbox") input.checked = false; else input.value = "";
  });
  body.append(row);
  const first = $("input:not([type=hidden]), select", row);
  if (first) first.focus();
});

// Notebooks: one page at a time.
$$("[data-notebook]").forEach((notebook) => {
  const tabs = $$("[data-tab]", notebook);
  const open = (tab) => {
    tabs.forEach((other) => {
      const on = other === tab;
      other.classList.toggle("active", on);
      other.setAttribute("aria-selected", on ? "true" : "false");
      document.getElementById(other.dataset.tab).hidden = !on;
    });
  };
  tabs.forEach((tab) => tab.addEventListener("click", (event) => { event.preventDefault(); open(tab); }));
  const withError = tabs.find((tab) => $(".has-error", document.getElementById(tab.dataset.tab)));
  if (tabs.length) open(withError || tabs[0]);
});

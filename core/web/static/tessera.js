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

// Dropdowns (<details>): one open at a time, closed by a click elsewhere or Escape;
// arrow keys move between the entries of a menu.
const dropdowns = () => $$("details.dropdown-menu, details.usermenu");
document.addEventListener("toggle", (event) => {
  const details = event.target;
  if (!(details instanceof HTMLDetailsElement)) return;
  const summary = $("summary", details);
  if (summary) summary.setAttribute("aria-expanded", details.open ? "true" : "false");
  if (details.open) dropdowns().forEach((other) => { if (other !== details) other.open = false; });
}, true);
dropdowns().forEach((details) => $("summary", details)?.setAttribute("aria-expanded", "false"));
document.addEventListener("click", (event) => {
  dropdowns().forEach((details) => { if (details.open && !details.contains(event.target)) details.open = false; });
});
document.addEventListener("keydown", (event) => {
  const details = event.target.closest && event.target.closest("details[open]");
  if (!details) return;
  if (event.key === "Escape") {
    details.open = false;
    $("summary", details).focus();
    return;
  }
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const items = $$("[role=menuitem], [role=menuitemcheckbox], .dropdown button, .dropdown a", details)
    .filter((item, index, all) => all.indexOf(item) === index && item.offsetParent !== null);
  if (!items.length || event.target.matches("select")) return;
  const at = items.indexOf(event.target);
  const next = event.key === "ArrowDown" ? (at + 1) % items.length : (at <= 0 ? items.length : at) - 1;
  items[next].focus();
  event.preventDefault();
});

// Lists: the whole row opens the record; selection and the Actions menu.
function updateSelection(form) {
  const boxes = $$("input[name=ids]", form);
  const count = boxes.filter((b) => b.checked).length;
  const label = $("[data-selected-count]", form);
  if (label) label.textContent = count ? `${count} selected` : "";
  const all = $("[data-select-all]", form);
  if (all) {
    all.checked = count > 0 && count === boxes.length;
    all.indeterminate = count > 0 && count < boxes.length;
  }
  boxes.forEach((box) => box.closest("tr")?.classList.toggle("selected", box.checked));
  const actions = $("[data-actions]", form);
  if (actions) actions.classList.toggle("none-selected", count === 0);
}
document.addEventListener("click", (event) => {
  const row = event.target.closest("tr[data-href]");
  if (!row || event.target.closest("a, input, label, button, select")) return;
  const cell = event.target.closest("td.select");
  if (cell) { $("input", cell)?.click(); return; } // a miss of the small box still ticks it
  if (window.getSelection().toString()) return; // selecting text, not opening
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
// Picking an action with the mouse runs it; with the keyboard, Apply (or Enter) does,
// so that the arrow keys can go through the entries.
$$("[data-list] select[name=action]").forEach((select) => {
  let byPointer = false;
  select.addEventListener("pointerdown", () => { byPointer = true; });
  select.addEventListener("keydown", (event) => {
    byPointer = false;
    if (event.key === "Enter" && select.value) { event.preventDefault(); select.form.requestSubmit(); }
  });
  select.addEventListener("change", () => { if (byPointer && select.value) select.form.requestSubmit(); });
});

// Search box: "Search <field> for: <text>" suggestions (a combobox); Backspace in the
// empty box removes the last facet.
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
    input.setAttribute("aria-expanded", text ? "true" : "false");
    items.forEach((item, index) => {
      $("[data-echo]", item).textContent = text;
      item.classList.toggle("active", index === active);
      item.setAttribute("aria-selected", index === active ? "true" : "false");
    });
    if (text) input.setAttribute("aria-activedescendant", items[active].id);
    else input.removeAttribute("aria-activedescendant");
  };
  const hide = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };
  const pick = (index) => {
    fieldSelect.value = items[index].dataset.field;
    input.form.requestSubmit();
  };
  input.addEventListener("input", () => { active = 0; show(); });
  input.addEventListener("focus", () => { if (input.value.trim()) show(); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && input.value.trim()) { active = Math.min(active + 1, items.length - 1); show(); event.preventDefault(); }
    else if (event.key === "ArrowUp" && input.value.trim()) { active = Math.max(active - 1, 0); show(); event.preventDefault(); }
    else if (event.key === "Enter" && input.value.trim()) { event.preventDefault(); pick(active); }
    else if (event.key === "Escape") hide();
    else if (event.key === "Backspace" && !input.value) {
      const facets = $$(".facet-remove", search);
      if (facets.length) { event.preventDefault(); window.location.href = facets[facets.length - 1].href; }
    }
  });
  items.forEach((item, index) => {
    item.addEventListener("mousedown", (event) => { event.preventDefault(); pick(index); });
    item.addEventListener("mousemove", () => { if (active !== index) { active = index; show(); } });
  });
  input.addEventListener("blur", hide);
});

// Many2one and many2many: suggestions from /web/<model>/autocomplete.
let pending = null;
let optionIds = 0;
async function suggest(box, input) {
  const list = $(".suggestions", box);
  const text = input.value.trim();
  const url = `${box.dataset.url}&q=${encodeURIComponent(text)}`;
  const request = pending = fetch(url, { headers: { Accept: "application/json" } });
  let results;
  try {
    const response = await request;
    if (request !== pending || !response.ok) return;
    results = await response.json();
  } catch (error) {
    return; // offline or the page is going away: the form still works by name
  }
  // a late answer: the text changed, a suggestion was chosen or the focus went away
  if (request !== pending || input.value.trim() !== text || document.activeElement !== input) return;
  if (!list.id) list.id = `suggestions-${++optionIds}`;
  input.setAttribute("aria-controls", list.id);
  const chosen = box.matches("[data-many2many]")
    ? $$("[data-tag]", box).filter((tag) => tag.checked).map((tag) => tag.value) : [];
  const offered = results.filter((result) => !chosen.includes(String(result.id)));
  list.replaceChildren(...offered.map((result) => {
    const item = document.createElement("li");
    item.setAttribute("role", "option");
    item.id = `option-${++optionIds}`;
    item.dataset.id = result.id;
    item.textContent = result.name;
    return item;
  }));
  if (!offered.length) {
    const item = document.createElement("li");
    item.textContent = text ? `Nothing found for "${text}"` : "Nothing to choose";
    item.className = "empty";
    list.append(item);
  }
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
  activate(box, offered.length ? 0 : -1);
}
function activate(box, index) {
  const input = $("[data-display]", box);
  const items = $$(".suggestions li[data-id]", box);
  items.forEach((item, at) => {
    item.classList.toggle("active", at === index);
    item.setAttribute("aria-selected", at === index ? "true" : "false");
  });
  if (items[index]) {
    input.setAttribute("aria-activedescendant", items[index].id);
    items[index].scrollIntoView({ block: "nearest" });
  } else input.removeAttribute("aria-activedescendant");
}
function choose(box, item) {
  const input = $("[data-display]", box);
  if (!item || !item.dataset.id) return;
  if (box.matches("[data-many2many]")) {
    const tag = document.createElement("label");
    tag.className = "tag";
    const check = document.createElement("input");
    Object.assign(check, { type: "checkbox", name: box.dataset.name, value: item.dataset.id, checked: true,
      title: "Untick to remove" });
    check.dataset.tag = "";
    tag.append(check, item.textContent);
    input.before(tag);
    input.value = "";
  } else {
    $("[data-id]", box).value = item.dataset.id;
    input.value = item.textContent;
  }
  closeSuggestions(box);
  input.dispatchEvent(new Event("change", { bubbles: true }));
}
function closeSuggestions(box) {
  pending = null;
  $(".suggestions", box).hidden = true;
  const input = $("[data-display]", box);
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
}
const comboBox = (target) => {
  const box = target.closest && target.closest("[data-many2one], [data-many2many]");
  return box && target.matches("[data-display]") ? box : null;
};
document.addEventListener("input", (event) => {
  const box = comboBox(event.target);
  if (!box) return;
  if (box.matches("[data-many2one]")) $("[data-id]", box).value = "";
  suggest(box, event.target);
});
document.addEventListener("focusin", (event) => {
  const box = comboBox(event.target);
  if (box && !event.target.value) suggest(box, event.target);
});
document.addEventListener("focusout", (event) => {
  const box = comboBox(event.target);
  if (box) closeSuggestions(box);
});
document.addEventListener("mousedown", (event) => {
  const item = event.target.closest(".suggestions li");
  if (!item) return;
  event.preventDefault(); // keep the focus in the input
  choose(item.closest("[data-many2one], [data-many2many]"), item);
});
document.addEventListener("keydown", (event) => {
  const box = comboBox(event.target);
  if (!box) return;
  const list = $(".suggestions", box);
  const items = $$("li[data-id]", list);
  const current = items.findIndex((item) => item.classList.contains("active"));
  if (event.key === "ArrowDown") {
    if (list.hidden) suggest(box, event.target);
    else if (items.length) activate(box, Math.min(current + 1, items.length - 1));
    event.preventDefault();
  } else if (event.key === "ArrowUp" && !list.hidden && items.length) {
    activate(box, Math.max(current - 1, 0));
    event.preventDefault();
  } else if (event.key === "Enter" && !list.hidden) {
    if (items.length) choose(box, items[Math.max(current, 0)]);
    event.preventDefault(); // choosing, not saving the form
  } else if (event.key === "Escape" && !list.hidden) {
    closeSuggestions(box);
    event.preventDefault();
  } else if (event.key === "Backspace" && box.matches("[data-many2many]") && !event.target.value) {
    const tags = $$("[data-tag]", box).filter((tag) => tag.checked);
    if (tags.length) { tags[tags.length - 1].click(); event.preventDefault(); }
  }
});
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-tag]") && !event.target.checked) event.target.closest(".tag").hidden = true;
});

// One2many: the empty line is a template; "Add a line" copies it with the next index.
$$("[data-one2many]").forEach((widget) => {
  const template = $("[data-new-line]", widget);
  if (template && $("[data-add-line]", widget)) template.hidden = true;
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-line]");
  if (!button) return;
  const widget = button.closest("[data-one2many]");
  const body = $("[data-lines]", widget);
  const template = $("[data-new-line]", widget);
  const next = Math.max(-1, ...$$("[name$='.id']", body).map((input) => Number(input.name.split(".")[1]))) + 1;
  const name = widget.dataset.name;
  const row = template.cloneNode(true);
  row.removeAttribute("data-new-line");
  row.hidden = false;
  $$("[name]", row).forEach((input) => {
    input.name = input.name.replace(new RegExp(`^${name}\\.\\d+\\.`), `${name}.${next}.`);
    if (input.type === "checkbox") input.checked = false; else input.value = "";
  });
  body.append(row);
  const first = $("input:not([type=hidden]), select", row);
  if (first) first.focus();
});
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-delete-line]")) {
    event.target.closest("tr").classList.toggle("deleted", event.target.checked);
  }
});

// Notebooks: one page at a time; arrow keys move between the tabs.
$$("[data-notebook]").forEach((notebook) => {
  const tabs = $$("[data-tab]", notebook);
  const open = (tab, focus = false) => {
    tabs.forEach((other) => {
      const on = other === tab;
      other.classList.toggle("active", on);
      other.setAttribute("aria-selected", on ? "true" : "false");
      other.setAttribute("tabindex", on ? "0" : "-1");
      document.getElementById(other.dataset.tab).hidden = !on;
    });
    if (focus) tab.focus();
  };
  tabs.forEach((tab, index) => {
    tab.setAttribute("aria-controls", tab.dataset.tab);
    tab.addEventListener("click", (event) => { event.preventDefault(); open(tab); });
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) { open(tabs[(index + step + tabs.length) % tabs.length], true); event.preventDefault(); }
      else if (event.key === "Home") { open(tabs[0], true); event.preventDefault(); }
      else if (event.key === "End") { open(tabs[tabs.length - 1], true); event.preventDefault(); }
    });
  });
  const withError = tabs.find((tab) => $(".has-error", document.getElementById(tab.dataset.tab)));
  if (tabs.length) open(withError || tabs[0]);
});

// Forms: Ctrl+S (or Cmd+S) saves.
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key === "s") {
    const form = $("form[data-form]");
    if (form) { event.preventDefault(); form.requestSubmit(); }
  }
});

// SMS text (a text field with widget="sms"): its length, SMS parts and encoding as you
// type, counted as addons/base/models/sms_provider.py measure() does. GSM-7 (160 per
// SMS, 153 per part of a long one; the extension characters count 2) unless a
// character is outside it, then UCS-2 (70, 67). Blocks marked class="nojs" (the
// length as saved, for browsers without JavaScript) are hidden.
const GSM_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENSION = "^{}\\[~]|€\f";
function smsMeasure(value) {
  const chars = Array.from(value.replace(/\r\n/g, "\n"));
  const gsm = chars.every((ch) => GSM_BASIC.includes(ch) || GSM_EXTENSION.includes(ch));
  const units = chars.map((ch) => (gsm ? (GSM_EXTENSION.includes(ch) ? 2 : 1) : ch.length));
  const [single, part] = gsm ? [160, 153] : [70, 67];
  const length = units.reduce((sum, unit) => sum + unit, 0);
  if (length <= single) return { encoding: gsm ? "GSM-7" : "UCS-2", length, segments: length ? 1 : 0, remaining: single - length };
  let segments = 1;
  let used = 0;
  units.forEach((unit) => {
    if (used + unit > part) { segments += 1; used = 0; }
    used += unit;
  });
  return { encoding: gsm ? "GSM-7" : "UCS-2", length, segments, remaining: part - used };
}
$$("textarea[data-sms-counter]").forEach((area) => {
  const counter = document.getElementById(area.dataset.smsCounter);
  if (!counter) return;
  const show = () => {
    const m = smsMeasure(area.value);
    counter.textContent = `${m.length} characters, ${m.segments} ${m.segments === 1 ? "SMS" : "SMS parts"} (${m.encoding}), ${m.remaining} left`;
  };
  area.addEventListener("input", show);
  counter.hidden = false;
  show();
  $$(".nojs", area.form || document).forEach((block) => { block.hidden = true; });
});

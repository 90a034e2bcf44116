// Words for every control: one plain sentence (from the server's `hello`, web/wording.py) on
// hover and on keyboard focus, in one small styled tooltip (`#help-tip`, css/help.css), plus a
// `title` and an accessible description (`aria-describedby`) on the control itself.
//
// A control's sentence is found by, in order: its `data-help-key` ("optimizer.momentum" in
// help.params, "dataset:circle" in help.datasets), its id (help.controls), one of its classes
// (help.classes). Controls made later (parameter boxes, the dataset picker) are found by a
// MutationObserver, so no module has to call in.

import { el, focused, page } from "./dom.js";

const CONTROLS = "button, input, select, [data-help-key]";
let help = null;
let tip = null;
let texts = null;
const described = new Map(); // sentence → id of its description node
let shownFor = null; // the control the tooltip speaks of
let stashed = null; // [node, title]: a title held back while the styled tooltip shows

/** The sentence for a control, or null when it has none. */
export function helpText(node) {
  if (!help || !(node instanceof Element)) return null;
  const key = node.dataset?.helpKey;
  if (key) {
    if (key.startsWith("dataset:")) return help.datasets?.[key.slice(8)] ?? null;
    return help.params?.[key] ?? null;
  }
  if (node.id && help.controls?.[node.id]) return help.controls[node.id];
  for (const c of node.classList ?? []) if (help.classes?.[c]) return help.classes[c];
  return null;
}

/** The id of the (hidden) node whose text is `sentence`, made once per sentence. */
function descriptionId(sentence) {
  if (!described.has(sentence)) {
    const id = `help-text-${described.size}`;
    texts.append(el("span", { id, text: sentence }));
    described.set(sentence, id);
  }
  return described.get(sentence);
}

/** Give every control under `root` (and `root` itself) that has a sentence its `data-help`,
 * `title` and `aria-describedby`; its label (`label[for]`, or the label around it) gets
 * `data-help` too, so hovering the words shows the sentence. */
export function applyHelp(root) {
  if (!help || !(root instanceof Element)) return;
  const nodes = root.matches(CONTROLS) ? [root, ...root.querySelectorAll(CONTROLS)] : root.querySelectorAll(CONTROLS);
  for (const node of nodes) {
    const sentence = helpText(node);
    if (!sentence || node.dataset.help === sentence) continue;
    node.dataset.help = sentence;
    if (!(stashed && stashed[0] === node)) node.title = sentence;
    const id = descriptionId(sentence);
    const ids = (node.getAttribute("aria-describedby") ?? "").split(" ").filter((x) => x && !x.startsWith("help-text-"));
    node.setAttribute("aria-describedby", [...ids, id].join(" "));
    const labels = [...(node.labels ?? [])];
    for (const label of labels) label.dataset.help = sentence;
  }
}

/** Show the tooltip for `node` (a control or its label); `byHover`: the pointer is on it, so
 * its own title is held back until the tooltip goes. */
function show(node, byHover) {
  const sentence = node.dataset.help;
  if (!sentence) return;
  restoreTitle();
  if (byHover && node.title) { // the browser's own tooltip would repeat it
    stashed = [node, node.title];
    node.removeAttribute("title");
  }
  shownFor = node;
  tip.textContent = sentence;
  tip.hidden = false;
  place(node);
}

/** Put the tooltip under `node` (above when there is no room below), inside the window. */
function place(node) {
  let anchor = node;
  if (!anchor.getClientRects().length || anchor.getBoundingClientRect().width === 0) {
    anchor = node.closest("label") ?? node.parentElement ?? node;
  }
  const r = anchor.getBoundingClientRect();
  // where a fixed box's (0, 0) is: the window's corner on the served page; inside the widget
  // (a container of its own) the page box's corner
  tip.style.left = "0px";
  tip.style.top = "0px";
  const t = tip.getBoundingClientRect();
  const gap = 6;
  let top = r.bottom + gap;
  if (top + t.height > window.innerHeight - 4 && r.top - gap - t.height > 4) top = r.top - gap - t.height;
  const left = Math.max(4, Math.min(r.left, window.innerWidth - t.width - 4));
  tip.style.left = `${Math.round(left - t.left)}px`;
  tip.style.top = `${Math.round(top - t.top)}px`;
}

function restoreTitle() {
  if (stashed) {
    const [node, title] = stashed;
    if (!node.hasAttribute("title")) node.title = title;
    stashed = null;
  }
}

function hide() {
  restoreTitle();
  shownFor = null;
  if (tip) tip.hidden = true;
}

/** The control (or label) with a sentence at or around `target`. */
function helpAt(target) {
  return target instanceof Element ? target.closest("[data-help]") : null;
}

/** Start: keep the sentences of `words.help`, give every control on the page its words (now
 * and whenever controls are added) and show the tooltip on hover and on focus. Called once,
 * with the server's `hello`; a second call only refreshes the sentences. */
export function installHelp(words) {
  help = words?.help ?? null;
  if (!help) return;
  if (!tip) {
    tip = el("div.help-tip", { id: "help-tip", role: "tooltip", hidden: true });
    texts = el("div", { id: "help-texts", hidden: true });
    page().append(tip, texts);
    // listen where the page's events are seen with their own targets: the document, or the
    // widget's shadow root (the notebook's document sees them retargeted to the widget)
    const root = page().getRootNode();
    root.addEventListener("mouseover", (e) => {
      const node = helpAt(e.target);
      if (node && node !== shownFor) show(node, true);
    });
    root.addEventListener("mouseout", (e) => {
      const node = helpAt(e.target);
      if (!node || node !== shownFor || (e.relatedTarget instanceof Node && node.contains(e.relatedTarget))) return;
      const now = focused();
      if (now?.dataset?.help && now.matches(":focus-visible")) show(now, false);
      else hide();
    });
    root.addEventListener("focusin", (e) => {
      const node = helpAt(e.target);
      if (node) show(node, false);
      else hide();
    });
    root.addEventListener("focusout", (e) => { if (helpAt(e.target) === shownFor) hide(); });
    root.addEventListener("keydown", (e) => { if (e.key === "Escape") hide(); });
    root.addEventListener("pointerdown", () => { if (shownFor) hide(); }, true);
    // the page scrolled (focus brings a control into view): the tooltip follows its control
    window.addEventListener("scroll", () => { if (shownFor) place(shownFor); }, { passive: true, capture: true });
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === "attributes") { // a title set elsewhere ("Pause"): the sentence stays
          const node = r.target;
          if (node.dataset.help && !(stashed && stashed[0] === node) && node.title !== node.dataset.help) node.title = node.dataset.help;
          continue;
        }
        for (const n of r.addedNodes) if (n.nodeType === 1 && n !== tip && n.parentNode !== texts) applyHelp(n);
      }
    }).observe(page(), { childList: true, subtree: true, attributes: true, attributeFilter: ["title"] });
  }
  applyHelp(page());
}

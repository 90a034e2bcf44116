// The page's DOM helpers, one of each: an element by id, and an element built in one call. Every
// module that builds elements uses these (the playground's panels and the Lab alike).
//
// Where the page lives: the served page is the document itself; the notebook widget puts the
// same page in a shadow root of its cell (widget.js calls `usePage` before main.js starts), so
// ids are looked up there and the page's classes (present, playing) sit on its own element,
// not on the notebook's body. Each widget view loads its own instance of these modules, so two
// widgets in one notebook never share a page.

let scope = document;
let pageElement = null;
const resizers = new Set();

/**
 * Put the page in `root` (a ShadowRoot or the document), `element` the page's own element
 * (the served page's body): before the page starts. Widths of `element` that change without
 * the window resizing (a notebook's side panel opening) reach every `onResize` listener.
 * @param {Document|ShadowRoot} root
 * @param {HTMLElement} element
 */
export function usePage(root, element) {
  scope = root;
  pageElement = element;
  let width = element.clientWidth;
  new ResizeObserver(() => {
    if (element.clientWidth === width) return; // only widths: heights follow the content
    width = element.clientWidth;
    resized();
  }).observe(element);
}

/** The element with id `id` (null when there is none). */
export const $ = (id) => scope.getElementById(id);

/** Every element of the page matching the CSS `selector`. */
export const $$ = (selector) => scope.querySelectorAll(selector);

/** The page's own element: the served page's body, or the widget's page box. */
export const page = () => pageElement ?? document.body;

/** The element focused on the page (inside the widget's shadow root there). */
export const focused = () => scope.activeElement ?? null;

/** Call `f` when the page's width changes (the window resizes, or the widget's cell does). */
export function onResize(f) {
  resizers.add(f);
  window.addEventListener("resize", f);
}

/** Tell every `onResize` listener the page was resized (the presentation mode toggled). */
export function resized() {
  for (const f of resizers) f();
}

/**
 * `el("div.a.b", {key: value}, child, "text", [more, children], …)`: an element with classes,
 * properties or attributes, and children.
 *
 * - `spec` is a tag with optional classes after dots ("div.hint", "span.key.train").
 * - `props` may be left out (`el("p", "text")`). Each key is, by its value:
 *   `text`: the text content; `on<event>` with a function: a listener; a non-string (a number,
 *   a boolean: `width`, `checked`, `hidden`, `min`) of a property the element has: that
 *   property; anything else (strings: `class`, `id`, `title`, `type`, `value`, `role`,
 *   `data-*`, `aria-*`): the attribute (`true`: present and empty). `undefined`, `null` and
 *   `false` are left out.
 * - `children` are nodes or text (numbers too), arrays of them are flattened; `null`,
 *   `undefined` and `false` are left out.
 */
export function el(spec, props = {}, ...children) {
  if (props === null || typeof props !== "object" || props instanceof Node || Array.isArray(props)) {
    children.unshift(props);
    props = {};
  }
  const [tag, ...classes] = spec.split(".");
  const node = document.createElement(tag || "div");
  if (classes.length) node.className = classes.join(" ");
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "text") {
      node.textContent = value;
    } else if (key in node && typeof value !== "string") {
      node[key] = value;
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An `<option>` of a menu: its value (as text) and what it says. */
export function option(value, text) {
  return el("option", { value: String(value), text });
}

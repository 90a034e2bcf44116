// The page's DOM helpers, one of each: an element by id, and an element built in one call. Every
// module that builds elements uses these (the playground's panels and the Lab alike).

/** The element with id `id` (null when there is none). */
export const $ = (id) => document.getElementById(id);

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

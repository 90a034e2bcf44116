// The lens column beside the output map: tabs over the lens panels (hidden space, five
// operations, backprop) with the separability bars under them, so a learner sees a layer's
// space while the network trains, on the same screen as the diagram and the output.
//
// Wide (the column at least WIDE px, e.g. 1920×1080): the hidden space stays in view on the
// left with the bars under it, and the tabs pick the panel on the right (five operations or
// backprop). Narrow: one panel at a time. A panel hears `onShown(shown)` when it comes into or
// goes out of view, so a hidden panel can stop asking the server for work.

/** The column width (px) from which the hidden space and a second panel sit side by side. */
export const WIDE = 660;

export class LensColumn {
  /**
   * @param {HTMLElement} root  the lens column (tabs `[data-panel]`, boxes `[data-lens]`)
   * @param {Map<string, object>} panels  the page's panels by name (space, player, backprop, …)
   */
  constructor(root, panels) {
    this.root = root;
    this.panels = panels;
    this.tabs = [...root.querySelectorAll(".lens-tab")];
    this.boxes = new Map([...root.querySelectorAll("[data-lens]")].map((b) => [b.dataset.lens, b]));
    this.nav = root.querySelector(".lens-tabs");
    this.main = root.querySelector(".lens-main");
    this.side = root.querySelector(".lens-side");
    this.selected = "space";
    this.wide = false;
    this.shown = new Map(); // name → whether that panel was last told it is shown
    for (const tab of this.tabs) {
      tab.addEventListener("click", () => this.select(tab.dataset.panel));
    }
    new ResizeObserver(() => this.layout()).observe(root);
    this.layout();
  }

  /** Show the panel called `name` (in wide mode the hidden space is always shown; picking it
   * keeps the other panel where it is). */
  select(name) {
    if (!this.boxes.has(name)) return;
    this.selected = name;
    this.apply();
  }

  /** Wide or narrow, from the column's own width. */
  layout() {
    const wide = this.root.clientWidth >= WIDE;
    if (wide === this.wide && this.root.dataset.laidOut) return;
    this.wide = wide;
    this.root.dataset.laidOut = "1";
    this.root.classList.toggle("wide", wide);
    const space = this.boxes.get("space");
    if (wide) { // the tabs over the panel they pick, the hidden space pinned beside it
      this.side.prepend(space);
      this.main.prepend(this.nav);
    } else {
      this.main.prepend(space);
      this.root.prepend(this.nav);
    }
    this.apply();
  }

  /** Which panel is in the tabbed slot: the one picked, but not the pinned hidden space. */
  current() {
    if (this.wide && this.selected === "space") return this.lastOther ?? "player";
    return this.selected;
  }

  apply() {
    const current = this.current();
    if (current !== "space") this.lastOther = current;
    for (const tab of this.tabs) {
      const name = tab.dataset.panel;
      tab.hidden = this.wide && name === "space";
      tab.setAttribute("aria-selected", String(name === current));
    }
    for (const [name, box] of this.boxes) {
      const shown = name === current || (this.wide && name === "space");
      box.hidden = !shown;
      if (this.shown.get(name) !== shown) {
        this.shown.set(name, shown);
        this.panels.get(name)?.onShown?.(shown);
      }
    }
  }

  /** The names of the lens panels in view. */
  visible() {
    return [...this.boxes].filter(([, box]) => !box.hidden).map(([name]) => name);
  }
}

// The Lab tab: how training finds a network. Two races run on the server (depthlens.lab):
// optimizers on an analytic 2-D surface, animated here step by step, and optimizers on a
// small network with equal budgets of gradient evaluations, shown as loss curves.
//
// The Lab's settings are its link: `#lab:` and a query of both forms' settings (see `query`),
// written by main.js while the tab is shown; a link opened with them restores them.

import { el } from "./dom.js";
import { encodeQuery } from "./lab-common.js";
import { NetworkRace } from "./lab-network.js";
import { SurfaceRace } from "./lab-surface.js";

const NETWORK = "net.";
const TOAST_SECONDS = 8;
const LINK_MS = 100;

export class LabTab {
  /** `root`: the #lab-tab element; `hooks.linked(query)` hears the Lab's link (the text after
   * `#lab:`) each time a setting changes; `link`: such a text to start from (null: the
   * defaults). Built on first show. */
  constructor(root, hooks = {}, link = null) {
    this.root = root;
    this.hooks = hooks;
    /** A Lab link not applied yet (the forms are still loading), or null. */
    this.pending = link;
    this.ready = false;
    this._linked = null;
    /** What was drawn, for tests and curiosity: contour pictures, animation frames, tables, charts. */
    this.drawn = { contour: 0, frames: 0, table: 0, chart: 0 };
    const surfaceBox = el("section.lab-section.lab-surface-section");
    const networkBox = el("section.lab-section.lab-network-section");
    this.toastBox = el("div.toast.lab-toast", { role: "status", hidden: true });
    root.replaceChildren(
      el("div.lab-intro",
        el("h2", { text: "Training lab" }),
        el("p.hint", { text: "Every optimizer from one start point, on an analytic surface and on a real network, using depthlens' own optimizers (PyTorch's update rules)." })),
      surfaceBox, networkBox, this.toastBox);
    surfaceBox.append(el("h3", { text: "Surface race" }));
    networkBox.append(el("h3", { text: "Network race" }));
    const own = { toast: (t) => this.toast(t), changed: () => this.changed() };
    this.surface = new SurfaceRace(surfaceBox, own, this.drawn);
    this.network = new NetworkRace(networkBox, own, this.drawn);
    for (const type of ["input", "change"]) root.addEventListener(type, () => this.changed());
    this.loaded = Promise.all([this.surface.load(), this.network.load()]).then(() => {
      this.ready = true;
      this.apply(this.pending ?? "");
    });
  }

  /** The last surface race (the server's JSON), or null. */
  get race() { return this.surface.race; }

  /** The animated step (fractional) of the surface race. */
  get frameStep() { return this.surface.frameStep; }

  /** The last network race (the server's JSON), or null. */
  get networkRace() { return this.network.result; }

  /** Called each time the tab is shown. */
  show() {
    this.surface.resume();
  }

  /** Open a Lab link (the text after `#lab:`): its settings replace the forms' (once loaded). */
  open(link) {
    this.pending = link;
    if (this.ready) this.apply(link);
  }

  /** Put `link`'s settings in both forms (bad values: their defaults, said in the toast) and
   * race on the surface. */
  apply(link) {
    this.pending = null;
    const surface = new URLSearchParams();
    const network = new URLSearchParams();
    for (const [key, value] of new URLSearchParams(link)) {
      if (key.startsWith(NETWORK)) network.append(key.slice(NETWORK.length), value);
      else surface.append(key, value);
    }
    const problems = [];
    this.surface.applySettings(surface, problems);
    this.network.applySettings(network, problems);
    if (problems.length) this.toast(`Lab link: ${problems.join("; ")}.`);
    this.changed();
  }

  /** The Lab's link now (the text after `#lab:`): every setting of the surface race, then every
   * setting of the network race with `net.` before it; a link not applied yet as it is; null
   * while loading without one. */
  query() {
    if (this.pending !== null) return this.pending;
    if (!this.ready) return null;
    const network = this.network.settings().map(([k, v]) => [NETWORK + k, v]);
    return encodeQuery([...(this.surface.settings() ?? []), ...network]);
  }

  /** A setting may have changed: tell `hooks.linked` the link soon (at most every
   * LINK_MS, so a held key or a dragged number does not flood the browser's history API). */
  changed() {
    if (this._linkTimer) return;
    this._linkTimer = setTimeout(() => {
      this._linkTimer = null;
      this.relink();
    }, LINK_MS);
  }

  /** Tell `hooks.linked` the link now (main.js: the tab is shown), unless it is loading
   * without one. */
  link() {
    const query = this.query();
    if (query !== null) this.hooks.linked?.(query);
  }

  /** The playground's hook: a new state (main.js just wrote its Config query in the address
   * bar): the Lab's link goes back while the Lab is shown (`hooks.linked` knows). */
  onState() {
    this.link();
  }

  /** Tell `hooks.linked` the link if it changed. */
  relink() {
    const query = this.query();
    if (query === null || query === this._linked) return;
    this._linked = query;
    this.hooks.linked?.(query);
  }

  /** A message at the bottom of the tab for a few seconds. */
  toast(text) {
    this.toastBox.textContent = text;
    this.toastBox.hidden = false;
    clearTimeout(this._toastTimer);
    this._toastTimer = setTimeout(() => { this.toastBox.hidden = true; }, TOAST_SECONDS * 1000);
  }
}

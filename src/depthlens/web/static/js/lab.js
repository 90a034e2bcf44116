// The Lab tab: how training finds a network. Two races run on the server (depthlens.lab):
// optimizers on an analytic 2-D surface, animated here step by step, and optimizers on a
// small network with equal budgets of gradient evaluations, shown as loss curves.

import { el } from "./lab-common.js";
import { NetworkRace } from "./lab-network.js";
import { SurfaceRace } from "./lab-surface.js";

export class LabTab {
  /** `root`: the #lab-tab element; `hooks.toast(text)` shows a message. Built on first show. */
  constructor(root, hooks = {}) {
    this.root = root;
    this.hooks = hooks;
    /** What was drawn, for tests and curiosity: contour pictures, animation frames, tables, charts. */
    this.drawn = { contour: 0, frames: 0, table: 0, chart: 0 };
    const surfaceBox = el("section.lab-section.lab-surface-section");
    const networkBox = el("section.lab-section.lab-network-section");
    root.replaceChildren(
      el("div.lab-intro",
        el("h2", { text: "Training lab" }),
        el("p.hint", { text: "Every optimizer from one start point, on an analytic surface and on a real network, using depthlens' own optimizers (PyTorch's update rules)." })),
      surfaceBox, networkBox);
    surfaceBox.append(el("h3", { text: "Surface race" }));
    networkBox.append(el("h3", { text: "Network race" }));
    this.surface = new SurfaceRace(surfaceBox, hooks, this.drawn);
    this.network = new NetworkRace(networkBox, hooks, this.drawn);
    this.loaded = Promise.all([this.surface.load(), this.network.load()]);
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
}

// Presentation mode, for a projector and for slides: larger dark text, thicker lines, fewer
// controls and the lens panel large (css/present.css). A toggle in the title bar and
// `present=1` in the link (see link.js); the mode is the page's, the experiment is unchanged.

import { page, resized } from "./dom.js";

export class Presentation {
  /**
   * @param {HTMLButtonElement} button  the title bar's toggle
   * @param {() => void} changed  the mode was toggled: write the address bar again (the mode
   *   is part of the link) and draw again
   * @param {boolean} on  the mode to start in (the link's `present=1`)
   */
  constructor(button, changed, on = false) {
    this.button = button;
    this.changed = changed;
    this.on = false;
    button.addEventListener("click", () => {
      this.set(!this.on);
      this.changed();
    });
    this.set(on);
  }

  /** Turn the mode on or off (the page's `present` class, dom.js; the button says which). */
  set(on) {
    this.on = Boolean(on);
    page().classList.toggle("present", this.on);
    this.button.setAttribute("aria-pressed", String(this.on));
    this.button.textContent = this.on ? "Exit presentation" : "Present";
    resized(); // panels drawn to their size redraw
  }
}

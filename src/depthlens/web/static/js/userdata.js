// Your own data: click on the output view to add points, or upload a CSV file. The server keeps
// the points (its `userdata` module checks every one) and rebuilds the network on them; the page
// only says what to add. Your data lives in this tab's session: it is not in the shared link.

import { cssColor } from "./colors.js";
import { el } from "./dom.js";

const UPLOAD_HINT = "CSV: a header line, 1 or 2 input columns, the target last " +
  "(text or a few whole numbers: classes; other numbers: regression).";

/** What a note of the panel speaks of: the data shown (its set, points and problem). */
function dataKey(state) {
  const u = state.user_data;
  return JSON.stringify([state.config.dataset, u?.name ?? null, u?.points ?? null,
    state.n_train + state.n_test, state.network.problem, state.network.n_classes]);
}

export class UserData {
  /**
   * @param {HTMLElement} root  the panel's box
   * @param {import("./panel-api.js").PanelApi} api  what the panel may read and call
   */
  constructor(root, api) {
    this.root = root;
    this.api = api;
    this.kinds = ["points", "file"]; // errors about these are this panel's
    this.hello = null;
    this.state = null;
    this.line = false;
    this.chosenClass = 0;
    this.pending = null; // after "Clear points": the clicks collected until there are enough
    this.noteKey = ""; // the data the note under the panel speaks of (null: the next state's)
    this.minPoints = 4;
    this._build();
    api.output.onPick((pick) => this.pick(pick));
  }

  _build() {
    this.status = el("p", { class: "ud-status" });
    this.picker = el("div", { class: "ud-picker", role: "group" });
    this.pickerLabel = el("span", { class: "ud-label", text: "Class of new points" });
    this.valueInput = el("input", { type: "number", step: "any", value: "0.5", class: "number ud-value" });
    this.valueInput.id = "ud-value";
    this.valueInput.setAttribute("aria-label", "Value of new points");
    this.valueBox = el("label", { class: "ud-value-box" }, "Value of new points ", this.valueInput);
    this.clickToggle = el("input", { type: "checkbox", id: "ud-click" });
    const clickLabel = el("label", { class: "check ud-click" }, this.clickToggle, " Click the output to add points");
    this.clickToggle.addEventListener("change", () => this._syncCursor());
    this.clearButton = el("button", { class: "text-button outlined", id: "ud-clear", text: "Clear points" });
    this.clearButton.title = "Start again from your next clicks (the points shown stay until you have clicked enough)";
    this.clearButton.addEventListener("click", () => this.clear());
    this.fileInput = el("input", { type: "file", accept: ".csv,text/csv,text/plain", id: "ud-file" });
    this.fileInput.addEventListener("change", () => {
      const file = this.fileInput.files?.[0];
      if (file) this.upload(file);
      this.fileInput.value = "";
    });
    const uploadLabel = el("label", { class: "text-button outlined ud-upload", title: UPLOAD_HINT },
      "Upload CSV", this.fileInput);
    this.message = el("p", { class: "ud-message", role: "status" });
    this.message.setAttribute("aria-live", "polite");
    this.root.replaceChildren(
      el("h4", { text: "Your data" }),
      this.status,
      el("div", { class: "ud-row" }, this.pickerLabel, this.picker),
      this.valueBox,
      clickLabel,
      el("div", { class: "ud-row" }, this.clearButton, uploadLabel),
      this.message,
      el("p", { class: "hint", text: `${UPLOAD_HINT} Your own data stays in this tab: ` +
        "it is not in the shared link. Pick a dataset to go back to generated data." }),
    );
  }

  // -- hooks -------------------------------------------------------------------------------
  onHello(hello) {
    this.hello = hello;
    this.minPoints = hello.options?.user_data?.min_points ?? this.minPoints;
    this.maxClasses = hello.options?.user_data?.max_classes ?? 10;
  }

  onState(state) {
    const changed = !this.state || this.state.network.problem !== state.network.problem
      || this.state.network.n_classes !== state.network.n_classes;
    this.state = state;
    // A note speaks of the data it was said about: new data (another dataset, more points, a
    // file) clears it, unless the note was said of the very change that brought them.
    const key = dataKey(state);
    if (this.noteKey === null) this.noteKey = key;
    else if (key !== this.noteKey) this._say("");
    if (changed) this.chosenClass = Math.min(this.chosenClass, Math.max(state.network.n_classes - 1, 0));
    if (state.fresh && this.pending && !state.user_data) this.pending = null;
    this._drawPicker();
    this._drawStatus();
  }

  onData(frame) {
    this.line = frame.arrays.train_x.shape[1] === 1;
    this._drawPicker();
  }

  onFrame(frame) {
    this.api.output.setCurve(frame.arrays.curve ?? null);
  }

  onError(m) {
    this._say(m.message, true);
  }

  // -- the picker and the status -----------------------------------------------------------
  _drawPicker() {
    const state = this.state;
    if (!state) return;
    const n = state.network;
    const classes = n.problem === "classification";
    this.pickerLabel.hidden = !classes;
    this.picker.hidden = !classes;
    // a value to choose: 2-D regression only (on a line the click's height is the value)
    this.valueBox.hidden = classes || this.line;
    if (!classes) {
      this.picker.replaceChildren();
      return;
    }
    const lut = state.palettes.output;
    const k = n.n_classes;
    const codeOf = (c) => (k > 2 ? c * 25 + 24 : c === 1 ? 30 : 0);
    const buttons = [];
    for (let c = 0; c < k; c++) {
      const b = el("button", { class: "ud-class", text: n.class_names[c] ?? String(c) });
      b.dataset.class = String(c);
      b.style.setProperty("--class-color", cssColor(lut, codeOf(c)));
      b.classList.toggle("chosen", c === this.chosenClass);
      b.setAttribute("aria-pressed", String(c === this.chosenClass));
      b.addEventListener("click", () => this.choose(c));
      buttons.push(b);
    }
    if (k < (this.maxClasses ?? 10)) {
      const b = el("button", { class: "ud-class ud-new", text: "+ new class" });
      b.dataset.class = String(k);
      b.title = `Your next points start class ${k}: the network gets an output for it`;
      b.classList.toggle("chosen", this.chosenClass === k);
      b.setAttribute("aria-pressed", String(this.chosenClass === k));
      b.addEventListener("click", () => this.choose(k));
      buttons.push(b);
    }
    this.picker.replaceChildren(...buttons);
  }

  _drawStatus() {
    const state = this.state;
    const u = state.user_data;
    const total = state.n_train + state.n_test;
    let text = u
      ? `Your data: ${u.name} · ${u.points} points · ${u.inputs} input${u.inputs === 1 ? "" : "s"}`
      : `Generated: ${state.config.dataset} · ${total} points (a click makes them yours)`;
    if (this.pending) text += ` · cleared: click ${this.minPoints - this.pending.length} more point(s) to start`;
    this.status.textContent = text;
    this.root.classList.toggle("active", Boolean(u));
  }

  _syncCursor() {
    this.api.output.adding(this.clickToggle.checked);
  }

  /** Say `text` under the panel; `awaits`: it speaks of the data the next state brings (a
   * points message or an upload just sent), else of the data shown now. */
  _say(text, error = false, awaits = false) {
    this.message.textContent = text;
    this.message.classList.toggle("error", error);
    this.noteKey = awaits ? null : this.state ? dataKey(this.state) : "";
  }

  // -- actions -----------------------------------------------------------------------------
  /** The class new points get (k = the number of classes starts a new one). */
  choose(c) {
    this.chosenClass = c;
    this._drawPicker();
  }

  /** A click on the output view: add a point there when "click to add" is on. */
  pick({ coords, line }) {
    if (!this.clickToggle.checked || !this.state) return;
    const n = this.state.network;
    const [a, b] = coords.map((v) => Number(v.toFixed(4)));
    let row;
    if (n.problem === "classification") row = line ? [a, this.chosenClass] : [a, b, this.chosenClass];
    else if (line) row = [a, b];
    else {
      const value = Number(this.valueInput.value);
      if (!Number.isFinite(value)) {
        this._say("Value of new points: type a number first.", true);
        return;
      }
      row = [a, b, value];
    }
    if (this.pending) {
      this.pending.push(row);
      if (this.pending.length < this.minPoints) {
        this._drawStatus();
        return;
      }
      const rows = this.pending;
      this.pending = null;
      this.api.send({ type: "points", add: rows, clear: true });
      this._say(`Started your data with ${rows.length} points.`, false, true);
      return;
    }
    this.api.send({ type: "points", add: [row] });
    this._say("");
  }

  /** Clear the points: the next `minPoints` clicks become the new data (sent together, as the
   * network needs some points to train and test on). Pressed again, it cancels. */
  clear() {
    if (this.pending) {
      this.pending = null;
      this._say("Clear cancelled.");
    } else {
      this.pending = [];
      this.clickToggle.checked = true;
      this._syncCursor();
      this._say(`Click ${this.minPoints} points to start your own data (press again to cancel).`);
    }
    if (this.state) this._drawStatus();
  }

  /** Send a CSV file to the server; show its summary or its error message. */
  async upload(file) {
    const limit = this.hello?.limits?.upload_bytes;
    if (limit && file.size > limit) {
      this._say(`${file.name}: ${file.size} bytes is more than the upload limit of ${limit} bytes.`, true);
      return;
    }
    this._say(`Uploading ${file.name}…`, false, true);
    let body;
    try {
      body = await this.api.upload(file.name, file);
    } catch (e) {
      this._say(e.message.startsWith(file.name) ? e.message : `${file.name}: ${e.message}`, true);
      return;
    }
    const what = body.problem === "classification" ? `${body.n_classes} classes` : "regression";
    this._say(`${body.name}: ${body.points} points, ${body.inputs} input${body.inputs === 1 ? "" : "s"}, ${what}.`);
  }
}

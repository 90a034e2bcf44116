// The playground page: one connection to its LiveSession, which trains the network in Python
// and sends frames; this page only draws them (it never runs the network itself). `start`
// builds it: page.js starts the served page (a websocket, the address bar holding the link),
// widget.js the notebook widget's (the widget's channel, no address bar, no Lab tab).

import { LossChart } from "./chart.js";
import { drawLegend, legendLabels, OutputView } from "./heatmap.js";
import { Controls } from "./controls.js";
import { decodeFrame } from "./frames.js";
import { $, $$, el, page } from "./dom.js";
import { compact, minus, setting } from "./format.js";
import { fetchJSON, setSession } from "./http.js";
import { featureLabel, NetworkView } from "./network.js";
import { BackpropStepper } from "./backprop.js";
import { LabTab } from "./lab.js";
import { LensColumn } from "./lens.js";
import { joinLink, splitLink } from "./link.js";
import { panelApi } from "./panel-api.js";
import { saveBlob, savePng } from "./picture.js";
import { outputPicture } from "./output-picture.js";
import { OperationPlayer } from "./player.js";
import { Presentation } from "./present.js";
import { ProbeBars, SpacePanel } from "./space.js";
import { UserData } from "./userdata.js";

/**
 * The page's transport: how it talks to its LiveSession (the server side does not know which
 * one it has). `open(hooks)` connects and returns a connection `{send(text), close(),
 * modelZip(session), upload(session, name, file), socket?}`; the hooks are `onOpen()`,
 * `onText(string)` (a JSON message), `onBytes(ArrayBuffer)` (a binary frame, frames.js) and
 * `onClose({code, reason})`. `open` may be called again after a close (the page reconnects).
 * `modelZip` answers the network as a zip (a Blob), `upload` sends a CSV file as the session's
 * data and answers its summary (both reject with an Error whose message is the server's).
 * This one is the served page's websocket to `url` and its HTTP routes; the notebook widget's
 * (widget.js) carries the same messages as custom widget messages.
 * @param {string} [url] the socket's address (default: this page's host, `/ws`)
 */
export function socketTransport(url) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const address = url ?? `${scheme}://${location.host}/ws`;
  return {
    open(hooks) {
      const socket = new WebSocket(address);
      socket.binaryType = "arraybuffer";
      socket.addEventListener("open", () => hooks.onOpen());
      socket.addEventListener("message", (event) => {
        if (typeof event.data === "string") hooks.onText(event.data);
        else hooks.onBytes(event.data);
      });
      socket.addEventListener("close", (event) => hooks.onClose(event));
      return {
        socket,
        send(text) {
          if (socket.readyState === WebSocket.OPEN) socket.send(text);
        },
        close() { socket.close(); },
        async modelZip(session) {
          const response = await fetch(`/api/session/${encodeURIComponent(session)}/model.zip`);
          if (!response.ok) throw new Error((await response.json().catch(() => null))?.message ?? `HTTP ${response.status}`);
          return response.blob();
        },
        upload(session, name, file) {
          return fetchJSON(`/api/session/${encodeURIComponent(session)}/upload?name=${encodeURIComponent(name)}`,
            { method: "POST", body: file, headers: { "content-type": "text/csv" } });
        },
      };
    },
  };
}

/** Playground's epoch counter: six digits, thousands separated (000,123). */
export function formatEpoch(n) {
  return String(n).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A loss or metric in its box: compact (see format.js); the exact value in data-value. */
function formatLoss(box, v) {
  box.textContent = compact(v);
  box.dataset.value = v === null || v === undefined ? "" : String(v);
}

class Playground {
  /**
   * @param {{addressBar?: boolean, lab?: boolean}} options `addressBar`: the link lives in the
   *   address bar (read at the start and on hashchange, written as the Config changes); without
   *   it (the widget) the link is only kept (`this.link`), the page starts on the Session its
   *   LiveSession has and sends no Config of its own. `lab`: the Lab tab is offered.
   */
  constructor({ addressBar = true, lab = true } = {}) {
    this.addressBar = addressBar;
    this.link = "";
    this.socket = null;
    this.transport = null;
    this.connection = null;
    this.hello = null;
    this.state = null;
    this.frame = null;
    this.data = null;
    this.hovered = null;
    this.rows = 0;
    this.frames = 0;
    this.drawn = 0;
    this.errors = [];
    this.diverged = null;
    this.stopped = null;
    this.seq = 0; // Config changes sent (see sendConfig)
    this.pending = null;
    this._scheduled = false;
    this._retry = 500;
    this.chart = new LossChart($("chart"));
    this.output = new OutputView($("heatmap"), $("points"), $("heatmap-label"));
    // What the user does clears the last toast: a note on one action must not cover the next
    // one's result.
    this.controls = new Controls({
      config: (patch, target) => { this.clearToast(); this.sendConfig(patch, target); },
      send: (message) => { this.clearToast(); this.send(message); },
      current: () => this.currentConfig(),
      redraw: () => this.redrawOutput(),
    });
    const card = { el: $("hovercard"), text: $("hovercard-text"), input: $("hovercard-input") };
    this.network = new NetworkView($("network"), $("edges"), card, {
      toggleFeature: (name) => this.controls.toggleFeature(name),
      resizeLayer: (layer, delta) => this.controls.resizeLayer(layer, delta),
      setActivation: (layer, name) => this.controls.setLayerActivation(layer, name),
      hoverNode: (node) => this.hoverNode(node),
      edit: (target) => { this.clearToast(); this.send({ type: "edit", ...target }); },
      limits: { neurons: 16, hidden_layers: 10 },
    });
    // Panels, by name: each draws into its own box, hears what concerns it (see `panelsDo`)
    // and reaches the page only through its PanelApi (panel-api.js).
    const api = panelApi({
      send: (m) => this.send(m),
      toast: (t) => this.toast(t),
      upload: (name, file) => {
        if (!this.hello?.session || !this.connection) return Promise.reject(new Error("Not connected yet: try again in a moment."));
        return this.connection.upload(this.hello.session, name, file);
      },
      state: () => this.state,
      frame: () => this.frame,
      network: this.network,
      output: this.output,
    });
    this.panels = new Map([
      ["space", new SpacePanel($("space-panel"), api)],
      ["probes", new ProbeBars($("probes-panel"), api)],
      ["player", new OperationPlayer($("player-panel"), api)],
      ["backprop", new BackpropStepper($("backprop-panel"), api)],
      ["userdata", new UserData($("userdata-panel"), api)],
    ]);
    this.lens = new LensColumn($("lens"), this.panels);
    this.present = new Presentation($("present"), () => {
      this.relink(this.state?.query ?? this.configQuery ?? "");
      this.schedule(); // drawn again: its lines are thicker or thinner
    }, addressBar && splitLink(location.hash.slice(1)).page.present);
    this.lab = null;
    $("tabs").hidden = !lab;
    for (const tab of $$("#tabs [data-tab]")) {
      tab.addEventListener("click", () => this.showTab(tab.dataset.tab));
    }
    $("banner-close").addEventListener("click", () => { $("banner").hidden = true; });
    $("export-config").addEventListener("click", () => this.exportConfig());
    $("export-model").addEventListener("click", () => this.exportModel());
    $("export-png").addEventListener("click", () => this.exportPng());
    const pictures = { "export-chart": ["depthlens-loss.png", () => this.chart.picture(this.state?.network.loss)],
      "export-space": ["depthlens-hidden-space.png", () => this.picture("space")],
      "export-player": ["depthlens-operations.png", () => this.picture("player")],
      "export-network": ["depthlens-network.png", () => this.network.toCanvas()],
      "export-probes": ["depthlens-separability.png", () => this.picture("probes")] };
    for (const [id, [name, canvas]] of Object.entries(pictures)) {
      $(id).addEventListener("click", () => {
        const picture = canvas();
        if (picture) savePng(name, [picture]);
      });
    }
    if (addressBar) this.followAddressBar();
  }

  /** Hear the address bar: a link typed or pasted (a Config, or a Lab link), and the Lab tab
   * when the page was opened with a Lab link. */
  followAddressBar() {
    window.addEventListener("hashchange", (event) => {
      // the link typed (the event's own URL): the page may have rewritten location since, e.g.
      // a Lab answer arriving in between put its own link back with replaceState
      const hash = new URL(event.newURL).hash.slice(1);
      if (hash.startsWith("lab:")) { // a Lab link: the Lab with its settings, never a Config
        this.lab?.open(hash.slice(4));
        this.showTab("lab");
        return;
      }
      if (!$("lab-tab").hidden) this.showTab("playground");
      const { config: query, page: fields } = splitLink(hash);
      if (fields.present !== this.present.on) {
        this.present.set(fields.present);
        this.schedule();
      }
      if (this.state && query !== this.state.query) this.send({ type: "config", query });
    });
    if (location.hash.startsWith("#lab:")) this.showTab("lab"); // opened with a Lab link
  }

  /** Write the link: the Config's `query` and the page's own fields (present=1), in the
   * address bar when the page has one. */
  relink(query) {
    const link = joinLink(query, { present: this.present.on });
    this.link = link;
    if (this.addressBar && location.hash.slice(1) !== link) history.replaceState(null, "", `#${link}`);
  }

  /** Call `method(...args)` on every panel that has it. Panel hooks: onHello(hello),
   * onState(state), onData(dataFrame), onFrame(frame) (each drawn training frame),
   * onPlaying(playing) (training started or paused),
   * onPanel(frame) (binary frames of a kind in the panel's `kinds`), onMessage(m) (text
   * messages of a type in its `types`), onError(m) (errors answering a request of one of
   * its kinds: `m.panel`). */
  panelsDo(method, ...args) {
    for (const panel of this.panels.values()) panel[method]?.(...args);
  }

  /** The picture of the panel called `name` to download (a canvas), or null. */
  picture(name) {
    return this.panels.get(name)?.picture?.() ?? null;
  }

  /** Show the Playground or the Lab tab (the Lab is built the first time it is shown, from the
   * address bar's `#lab:` link if it has one). The address bar follows the tab: the Config
   * query on the Playground, `#lab:` and the Lab's own settings on the Lab (see lab.js). */
  showTab(name) {
    for (const tab of $$("#tabs [data-tab]")) {
      tab.classList.toggle("active", tab.dataset.tab === name);
    }
    $("playground-tab").hidden = name !== "playground";
    $("lab-tab").hidden = name !== "lab";
    for (const note of $$("footer [data-for]")) note.hidden = note.dataset.for !== name;
    const labLink = location.hash.startsWith("#lab:");
    if (name !== "lab") {
      // back on the Playground: its Config query (the one the server has, else the link's)
      if (labLink) this.relink(this.state?.query ?? this.configQuery ?? "");
      return;
    }
    if (!labLink) this.configQuery = splitLink(location.hash.slice(1)).config;
    if (!this.lab) {
      const linked = (query) => {
        if (!$("lab-tab").hidden) history.replaceState(null, "", `#lab:${query}`);
      };
      this.lab = new LabTab($("lab-tab"), { linked }, labLink ? location.hash.slice(5) : null);
    }
    this.lab.show?.();
    this.lab.link();
  }

  // -- connection --------------------------------------------------------------------------
  /** Open the page's connection to its LiveSession through `transport` (see socketTransport:
   * the served page's websocket, the default; the notebook widget passes its own), reopened
   * the same way after it closes. */
  connect(transport = this.transport ?? socketTransport()) {
    this.transport = transport;
    const connection = transport.open({
      onOpen: () => this.onOpen(),
      onText: (data) => this.onReceived(data, true),
      onBytes: (data) => this.onReceived(data, false),
      onClose: (event) => this.onClose(event),
    });
    this.connection = connection;
    this.socket = connection.socket ?? null; // the websocket, for the browser tests
  }

  onOpen() {
    this._retry = 500;
    $("connection").textContent = "connected";
    $("connection").className = "connection ok";
    $("connection").title = "connection to the depthlens server";
    this.hideBanner("connection");
    $("banner-reset").hidden = false;
    if (!this.addressBar) return; // the LiveSession sends the Session it has (the notebook's)
    // The address bar holds the Config: restore it exactly (empty = the defaults). A Lab link
    // holds the Lab's settings, not a Config: then the Config this page had, or the defaults.
    const hash = location.hash.slice(1);
    const query = hash.startsWith("lab:") ? this.state?.query ?? this.configQuery ?? "" : splitLink(hash).config;
    this.send({ type: "config", query });
  }

  /** One message from the server: JSON text, or a binary frame (an ArrayBuffer). */
  onReceived(data, text) {
    let message;
    try {
      message = text ? JSON.parse(data) : decodeFrame(data);
    } catch (e) { // a message the page cannot read: show it (as an error) and go on
      this.onMessage({ type: "error", field: text ? "message" : "frame", message: e.message });
      return;
    }
    if (text) this.onMessage(message);
    else this.onFrame(message);
  }

  onClose(event) {
    page().classList.remove("playing");
    $("connection").className = "connection lost";
    // The server's refusals carry a reason: 1008 this page's host or origin is not served
    // (retrying cannot help), 1013 too many open tabs (try again now and then).
    if (event.code === 1008 || event.code === 1013) {
      const reason = event.reason || "the server refused the connection";
      $("connection").textContent = event.code === 1008 ? "refused" : "refused: retrying…";
      $("connection").title = reason;
      this.showBanner("connection", `Not connected: ${reason}.`);
      $("banner-reset").hidden = true; // nothing to reset without a session
      if (event.code === 1008) return;
      this._retry = 8000;
    } else {
      $("connection").textContent = "disconnected: retrying…";
    }
    setTimeout(() => this.connect(), this._retry);
    this._retry = Math.min(this._retry * 2, 8000);
  }

  send(message) {
    this.connection?.send(JSON.stringify(message));
  }

  /** A new Config: the current one with `patch`; `target` the target test loss (undefined:
   * keep the current one, null: none). Changes made before the server has answered the last
   * one build on it (`pending`), so quick changes all apply, in order. */
  sendConfig(patch, target) {
    if (!this.state) return;
    const base = this.pending ?? { config: this.state.config, target_loss: this.state.target_loss ?? null };
    const config = { ...base.config, ...patch };
    const target_loss = target === undefined ? base.target_loss : target;
    this.seq += 1;
    this.pending = { seq: this.seq, config, target_loss };
    this.send({ type: "config", config, target_loss, seq: this.seq });
  }

  /** The Config the page is asking for: the last one sent, or the server's. */
  currentConfig() {
    return this.pending?.config ?? this.state?.config;
  }

  /** A state or error of the server answering Config change `seq`: the changes up to it are in. */
  answered(seq) {
    if (this.pending && seq !== null && seq !== undefined && seq >= this.pending.seq) this.pending = null;
  }

  // -- messages ----------------------------------------------------------------------------
  onMessage(m) {
    switch (m.type) {
      case "hello":
        this.hello = m;
        setSession(m.session); // the Lab's requests name this tab (its races queue per tab)
        this.network.hooks.limits = m.limits;
        this.network.hooks.activations = m.options.activations;
        this.network.hooks.activationNames = m.labels?.activation ?? {};
        this.controls.init(m);
        this.panelsDo("onHello", m);
        break;
      case "state":
        this.onState(m);
        break;
      case "status":
        this.setPlaying(m.playing);
        if (this.state) this.state.epochs_per_frame = m.epochs_per_frame;
        break;
      case "error":
        this.errors.push(m);
        this.answered(m.seq);
        this.toast(m.message); // the server's sentence names the field once, in the page's words
        if (this.state) this.controls.sync(this.state); // put the controls back
        for (const panel of this.panels.values()) {
          if (m.panel && panel.kinds?.includes(m.panel)) panel.onError?.(m);
        }
        break;
      case "stopped":
        this.stopped = m;
        this.setPlaying(false);
        this.showBanner("stopped", `Paused at epoch ${m.epoch}: ${m.message}.`);
        break;
      case "diverged":
        this.diverged = m;
        this.setPlaying(false);
        this.showBanner("diverged", m.message, { reset: !m.restored_ok });
        break;
      case "notice":
        this.showBanner(m.kind, m.message);
        break;
      default:
        for (const panel of this.panels.values()) if (panel.types?.includes(m.type)) panel.onMessage(m);
        break;
    }
  }

  /** The banner under the top bar: one message at a time, of a `kind` (stopped, diverged,
   * link); `reset` makes Reset the way on (the weights that were kept would diverge again). */
  showBanner(kind, text, { reset = false } = {}) {
    const banner = $("banner");
    banner.dataset.kind = kind;
    banner.classList.toggle("needs-reset", reset);
    $("banner-text").textContent = text;
    banner.hidden = false;
  }

  /** Hide the banner (of the given kinds only, when given): what it said is no longer true. */
  hideBanner(...kinds) {
    const banner = $("banner");
    if (!kinds.length || kinds.includes(banner.dataset.kind)) banner.hidden = true;
  }

  onState(state) {
    const configChanged = !this.state || JSON.stringify(this.state.config) !== JSON.stringify(state.config)
      || this.state.target_loss !== state.target_loss;
    const rebuilt = !this.state || JSON.stringify(this.state.network) !== JSON.stringify(state.network)
      || this.state.config.features.join() !== state.config.features.join();
    this.state = state;
    this.answered(state.seq);
    if (state.fresh) {
      this.chart.reset();
      this.rows = 0;
      this.diverged = null;
    }
    if (state.fresh || configChanged) this.hideBanner(); // it spoke of the experiment before
    this.relink(state.query);
    this.controls.sync(state);
    this.output.setState(state);
    drawLegend($("legend"), state);
    const [lo, hi] = state.grid.extent;
    $("x-min").textContent = minus(lo);
    $("x-max").textContent = minus(hi);
    this.legendTicks(state);
    $("metric-name").textContent = state.network.metric === "r2" ? "Test R\u00b2" : "Test accuracy";
    if (rebuilt || state.fresh) {
      this.frame = null; // a frame of the old network must not be drawn on the new one
      this.hovered = null;
      this.output.showNode(null, "");
      this.network.build(state, this.hello.options.features);
      if (this.data) this.network.setFeatureCodes(this.data.arrays.features);
    }
    this.setPlaying(state.playing);
    $("epoch").textContent = formatEpoch(state.epoch);
    const n = state.network;
    const names = this.hello?.labels ?? {};
    const name = (kind, id) => names[kind]?.[id] ?? id;
    const acts = [...new Set(n.activations)].map((a) => name("activation", a)).join(", ") || "none";
    $("network-summary").textContent =
      `${n.sizes.join("-")} ${acts} · ${name("head", `${n.loss}|${n.output}`)} · ` +
      `${name("optimizer", state.config.optimizer)}, learning rate ${setting(state.config.lr)} · ` +
      `${state.n_train} train / ${state.n_test} test points`;
    this.panelsDo("onState", state);
    this.lab?.onState(state); // the address bar: the Lab's link while the Lab is shown
  }

  /** Legend ticks: −1 0 1 (two classes), ±scale (regression) or the class names. */
  legendTicks(state) {
    const n = state.network;
    const ticks = $("legend-ticks");
    const { labels, note } = legendLabels(state);
    ticks.classList.toggle("classes", n.problem === "classification" && n.n_classes > 2);
    ticks.replaceChildren(...labels.map((t) => el("span", { text: t })));
    // a line under the ticks when the scale is clamped (or how k classes are shaded)
    let line = $("legend-note");
    if (!line) {
      line = el("p", { id: "legend-note", class: "hint legend-note" });
      ticks.after(line);
    }
    line.textContent = note;
    line.hidden = !note;
  }

  onFrame(frame) {
    const kind = frame.header.kind;
    if (kind === "thumbnails") {
      this.controls.setThumbnails(frame);
    } else if (kind === "data") {
      this.data = frame;
      this.output.setData(frame.arrays);
      this.network.setFeatureCodes(frame.arrays.features);
      this.panelsDo("onData", frame);
    } else if (kind === "frame") {
      this.frames += 1;
      const h = frame.header;
      const c = h.columns;
      const [ie, itr, ite, ip] = ["epoch", "train_loss", "test_loss", "penalty"].map((name) => c.indexOf(name));
      for (const row of h.rows) {
        this.chart.add(row[ie], [row[itr], row[ite], row[ip] > 0 ? row[ip] : null]);
        this.rows += 1;
      }
      this.frame = frame;
      this.schedule();
    } else {
      for (const panel of this.panels.values()) if (panel.kinds?.includes(kind)) panel.onPanel(frame);
    }
  }

  // -- drawing -----------------------------------------------------------------------------
  schedule() {
    if (this._scheduled) return;
    this._scheduled = true;
    requestAnimationFrame(() => {
      this._scheduled = false;
      this.draw();
    });
  }

  draw() {
    const frame = this.frame;
    if (!frame || !this.state) return;
    const t0 = performance.now();
    const h = frame.header;
    this.network.update(frame.arrays);
    this.output.setOutput(frame.arrays.output.data);
    if (this.hovered) this.output.showNode(this.network.codesOf(this.hovered), this.hovered.title);
    this.chart.draw();
    $("epoch").textContent = formatEpoch(h.epoch);
    formatLoss($("test-loss"), h.now.test_loss);
    formatLoss($("train-loss"), h.now.train_loss);
    formatLoss($("test-metric"), h.now.test_metric);
    $("rmse-box").hidden = h.now.test_rmse === undefined;
    formatLoss($("test-rmse"), h.now.test_rmse);
    this.drawConfusion(frame.arrays.confusion);
    this.controls.showBatch(h);
    this.state.epoch = h.epoch;
    this.drawnEpoch = h.epoch;
    this.drawn += 1;
    this.lastDrawMs = performance.now() - t0;
    this.panelsDo("onFrame", frame);
  }

  /** The test confusion matrix (rows: true class, columns: predicted) as a small table. */
  drawConfusion(matrix) {
    const table = $("confusion");
    table.hidden = !matrix;
    if (!matrix) return;
    const [k] = matrix.shape;
    const names = this.state.network.class_names;
    // the same counts as the last frame (most frames, once learned): nothing to lay out again
    const key = `${names.join("\u0000")}|${matrix.data.join(",")}`;
    if (key === this._confusionKey) return;
    this._confusionKey = key;
    const cell = (tag, text, cls) => el(tag, { text, class: cls || undefined });
    const rows = [el("tr", cell("th", "true \\ predicted"), ...names.slice(0, k).map((n) => cell("th", n)))];
    for (let i = 0; i < k; i++) {
      const tr = el("tr", cell("th", names[i] ?? String(i)));
      for (let j = 0; j < k; j++) tr.append(cell("td", String(matrix.data[i * k + j]), i === j ? "hit" : ""));
      rows.push(tr);
    }
    table.replaceChildren(...rows);
  }

  // -- downloads ---------------------------------------------------------------------------
  /** The Config as JSON, from the page's state (what `Config.from_json` reads). */
  exportConfig() {
    if (!this.state) return;
    const text = `${JSON.stringify(this.state.config, null, 2)}\n`;
    saveBlob("depthlens-config.json", new Blob([text], { type: "application/json" }));
  }

  /** The network as it is now, zipped by the server (model.json + model.npz + config.json). */
  async exportModel() {
    if (!this.hello?.session || !this.connection) return;
    try {
      saveBlob("depthlens-model.zip", await this.connection.modelZip(this.hello.session));
    } catch (e) {
      this.toast(`The model could not be downloaded: ${e.message}`);
    }
  }

  /** The output view as a PNG: the map and the points drawn again at slide resolution, with
   * axis ticks and the legend (output-picture.js). */
  exportPng() {
    const picture = outputPicture(this.output, this.state);
    if (picture) savePng("depthlens-output.png", [picture]);
  }



  redrawOutput() {
    this.output.showTest = $("show-test").checked;
    this.output.discretize = $("discretize").checked;
    this.output.redraw();
  }

  hoverNode(node) {
    this.hovered = node;
    if (node === null) {
      this.output.showNode(null, "");
      return;
    }
    const name = node.kind === "input" ? featureLabel(node.name) : node.title;
    this.output.showNode(this.network.codesOf(node), name);
  }

  setPlaying(playing) {
    if (playing) this.hideBanner("stopped", "diverged"); // training goes on: no longer paused
    if (this.state) this.state.playing = playing;
    page().classList.toggle("playing", playing);
    $("play").title = playing ? "Pause" : "Run";
    this.panelsDo("onPlaying", playing);
  }

  clearToast() {
    clearTimeout(this._toastTimer);
    $("toast").hidden = true;
  }

  toast(text) {
    const box = $("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(this._toastTimer);
    this._toastTimer = setTimeout(() => { box.hidden = true; }, 6000);
  }

  /** Close the connection and stop reconnecting (the widget's view went away). */
  close() {
    this.transport = null;
    this.connect = () => {};
    this.connection?.close();
    clearTimeout(this._toastTimer);
  }
}

/**
 * Build the playground on the page (dom.js: the document, or the widget's shadow root) and
 * connect it through `transport` (default: the served page's websocket).
 * @param {{transport?: object, addressBar?: boolean, lab?: boolean}} [options] see Playground
 * @returns {Playground}
 */
export function start({ transport, addressBar = true, lab = true } = {}) {
  const playground = new Playground({ addressBar, lab });
  playground.connect(transport);
  return playground;
}

// The playground as a notebook widget (anywidget's module: `depthlens.Playground`).
//
// anywidget loads this file as one ES module from its text, so the page's other modules are
// not reachable by URL. The Python side sends every page module's source in the `_modules`
// trait (name → text); `loader` turns each into a Blob URL, its `import … from "./x.js"`
// rewritten to the Blob URL of x.js first (depth first: the page's imports have no cycles), so
// the widget runs the served page's own modules (frames.js, heatmap.js, …), not copies: no
// server, no port, no CDN.
//
// The widget talks to its LiveSession through `widgetTransport`, the same transport interface
// as the served page's websocket (main.js, socketTransport): text messages travel as custom
// widget messages {kind: "text", text}, binary frames as {kind: "bytes"} with the frame as
// the message's one buffer. The widget's first message, {kind: "open"}, asks the kernel for
// hello, the thumbnails and the notebook Session's state, data and frame.
//
// First slice: the widget shows the output map (heatmap.js's OutputView, as on the page), the
// epoch counter and the play button, driven by the LiveSession's own messages.

/** Blob URLs of the page's modules, made once per notebook page (every widget shares them). */
const urls = new Map();

/**
 * A function `load(name)` importing the page module `name` ("heatmap.js") from `sources`
 * (name → source text), its relative imports resolved among `sources` as Blob URLs.
 * @param {Record<string, string>} sources every page module's text, by file name
 * @returns {(name: string) => Promise<object>}
 */
export function loader(sources) {
  const url = (name, trail) => {
    if (urls.has(name)) return urls.get(name);
    if (!Object.hasOwn(sources, name)) throw new Error(`page module ${name} is not shipped`);
    if (trail.includes(name)) throw new Error(`page modules import in a cycle: ${[...trail, name].join(" → ")}`);
    const text = sources[name].replace(
      /(\bfrom\s*|\bimport\s*)(["'])\.\/([\w.-]+\.js)\2/g,
      (_, keyword, quote, dep) => `${keyword}${quote}${url(dep, [...trail, name])}${quote}`,
    );
    const made = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
    urls.set(name, made);
    return made;
  };
  return (name) => import(url(name, []));
}

/** An ArrayBuffer holding exactly the bytes of a widget buffer (a DataView or typed array). */
function arrayBuffer(buffer) {
  if (buffer instanceof ArrayBuffer) return buffer;
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
}

/**
 * The page's transport (see main.js, socketTransport) over the widget's own channel: custom
 * messages of the widget's model, to and from its Python object.
 * @param {object} model the anywidget model
 */
export function widgetTransport(model) {
  return {
    open(hooks) {
      const receive = (message, buffers) => {
        if (message?.kind === "text") hooks.onText(message.text);
        else if (message?.kind === "bytes" && buffers?.length) hooks.onBytes(arrayBuffer(buffers[0]));
      };
      model.on("msg:custom", receive);
      model.send({ kind: "open" });
      queueMicrotask(() => hooks.onOpen());
      return {
        send(text) { model.send({ kind: "text", text }); },
        close() { model.off("msg:custom", receive); },
      };
    },
  };
}

/** An element with a class and children. */
function box(tag, className, ...children) {
  const node = document.createElement(tag);
  node.className = className;
  node.append(...children);
  return node;
}

/**
 * Build the widget in `el`: the play button, the epoch counter and the output map.
 * @param {{model: object, el: HTMLElement}} args anywidget's render arguments
 * @returns {Promise<() => void>} the cleanup anywidget calls when the view goes
 */
async function render({ model, el }) {
  const load = loader(model.get("_modules"));
  const [{ decodeFrame }, { OutputView }] = await Promise.all([load("frames.js"), load("heatmap.js")]);
  const play = box("button", "depthlens-play", "Run");
  play.type = "button";
  const epoch = box("span", "depthlens-epoch", "0");
  const status = box("span", "depthlens-status", "connecting…");
  const heatmap = box("canvas", "heatmap");
  const points = box("canvas", "points");
  const label = box("div", "heatmap-label");
  el.replaceChildren(box("div", "depthlens-widget",
    box("div", "depthlens-bar", play, box("span", "depthlens-epoch-label", "Epoch "), epoch, status),
    box("div", "heatmap-wrap", heatmap, points, label)));
  const output = new OutputView(heatmap, points, label);
  const page = { state: null, playing: false, frames: 0, errors: [] };
  el.depthlens = page; // for the tests and the curious, as window.depthlens on the page
  const setPlaying = (playing) => {
    page.playing = playing;
    play.textContent = playing ? "Pause" : "Run";
    el.classList.toggle("playing", playing);
  };
  const onText = (text) => {
    const m = JSON.parse(text);
    if (m.type === "state") {
      page.state = m;
      output.setState(m);
      epoch.textContent = String(m.epoch);
      setPlaying(m.playing);
    } else if (m.type === "status" || m.type === "stopped") {
      setPlaying(m.type === "status" ? m.playing : false);
    } else if (m.type === "error") {
      page.errors.push(m);
      status.textContent = m.message;
    }
  };
  const onBytes = (data) => {
    const frame = decodeFrame(data);
    const kind = frame.header.kind;
    if (kind === "data") output.setData(frame.arrays);
    if (kind !== "frame") return;
    page.frames += 1;
    output.setOutput(frame.arrays.output.data);
    epoch.textContent = String(frame.header.epoch);
  };
  const connection = widgetTransport(model).open({
    onOpen: () => { status.textContent = ""; },
    onText,
    onBytes,
    onClose: () => { status.textContent = "disconnected"; },
  });
  play.addEventListener("click", () => {
    connection.send(JSON.stringify({ type: page.playing ? "pause" : "play" }));
  });
  return () => connection.close();
}

export default { render };

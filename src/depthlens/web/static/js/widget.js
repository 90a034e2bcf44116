// The playground as a notebook widget (anywidget's module: `depthlens.Playground`).
//
// anywidget loads this file as one ES module from its text, so the page's other modules are
// not reachable by URL. The Python side sends every page module's source in the `_modules`
// trait (name → text); `loader` turns each into a Blob URL, its `import … from "./x.js"`
// rewritten to the Blob URL of x.js first (depth first: the page's imports have no cycles), so
// the widget runs the served page's own modules, not copies: no server, no port, no CDN.
//
// The page itself: index.html's body (`_page_html`) and its stylesheets scoped to the widget
// (`_page_css`: the window's media queries become container queries on the page box) in a
// shadow root of the cell's element, so its ids, classes and rules meet neither the notebook's
// nor another widget's. Each view loads its own instances of the page's modules (Blob URLs
// made per view), so dom.js's page (`usePage`) is this view's alone. main.js's `start` then
// builds the served page's playground there with no address bar and no Lab tab.
//
// The widget talks to its LiveSession through `widgetTransport`, the same transport interface
// as the served page's websocket (main.js, socketTransport): text messages travel as custom
// widget messages {kind: "text", text}, binary frames as {kind: "bytes"} with the frame as
// the message's one buffer, the model download and a CSV upload as requests {kind: "model" |
// "upload", id} answered by {kind: "reply", id, ok, …} (the zip or the file in a buffer). The
// widget's first message, {kind: "open"}, asks the kernel for hello, the thumbnails and the
// notebook Session's state, data and frame.
/**
 * A function `load(name)` importing the page module `name` ("heatmap.js") from `sources`
 * (name → source text), its relative imports resolved among `sources` as Blob URLs.
 * @param {Record<string, string>} sources every page module's text, by file name
 * @returns {(name: string) => Promise<object>}
 */
export function loader(sources) {
  const urls = new Map(); // this view's: its modules are its own instances
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
      const waiting = new Map(); // request id → {resolve, reject}
      let next = 0;
      const request = (message, buffers) => new Promise((resolve, reject) => {
        next += 1;
        waiting.set(next, { resolve, reject });
        model.send({ ...message, id: next }, undefined, buffers);
      });
      const receive = (message, buffers) => {
        if (message?.kind === "text") hooks.onText(message.text);
        else if (message?.kind === "bytes" && buffers?.length) hooks.onBytes(arrayBuffer(buffers[0]));
        else if (message?.kind === "reply" && waiting.has(message.id)) {
          const { resolve, reject } = waiting.get(message.id);
          waiting.delete(message.id);
          if (!message.ok) {
            const error = new Error(message.message ?? "the kernel refused the request");
            error.field = message.field;
            reject(error);
          } else resolve(buffers?.length ? arrayBuffer(buffers[0]) : message.body);
        }
      };
      model.on("msg:custom", receive);
      model.send({ kind: "open" });
      queueMicrotask(() => hooks.onOpen());
      return {
        send(text) { model.send({ kind: "text", text }); },
        close() {
          model.off("msg:custom", receive);
          for (const { reject } of waiting.values()) reject(new Error("the widget closed"));
          waiting.clear();
        },
        async modelZip() {
          return new Blob([await request({ kind: "model" })], { type: "application/zip" });
        },
        async upload(_session, name, file) {
          return request({ kind: "upload", name }, [await file.arrayBuffer()]);
        },
      };
    },
  };
}

/** What the widget's footer says (the served page's speaks of the address bar). */
const FOOTER = "Training runs in this notebook's kernel: the widget trains its Session "
  + "(widget.session), which the next cell can read, train or change.";

/**
 * Build the widget in `el`: the served page in a shadow root, started over the widget's
 * channel.
 * @param {{model: object, el: HTMLElement}} args anywidget's render arguments
 * @returns {Promise<() => void>} the cleanup anywidget calls when the view goes
 */
async function render({ model, el }) {
  const load = loader(model.get("_modules"));
  const root = el.shadowRoot ?? el.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = model.get("_page_css");
  const box = document.createElement("div");
  box.className = "depthlens-page";
  box.innerHTML = model.get("_page_html");
  root.replaceChildren(style, box);
  const footer = box.querySelector("footer");
  if (footer) footer.textContent = FOOTER;
  const dom = await load("dom.js");
  dom.usePage(root, box);
  const { start } = await load("main.js");
  const playground = start({ transport: widgetTransport(model), addressBar: false, lab: false });
  el.depthlens = playground; // for the tests and the curious, as window.depthlens on the page
  return () => playground.close();
}

export default { render };

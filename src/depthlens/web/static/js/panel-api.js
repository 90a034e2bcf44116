// What a panel of the playground may read and call: the whole interface between main.js and
// the panels (space.js, player.js, backprop.js, userdata.js), in one place. A panel gets a
// PanelApi when it is made and never sees the Playground itself.
//
// A panel is an object with any of these hooks, which main.js calls (see `panelsDo`):
//   onHello(hello)     the server's hello (options, limits, the session's token)
//   onState(state)     each state (a new Config, a reset, a step)
//   onData(frame)      the data frame (the points)
//   onFrame(frame)     each drawn training frame
//   onPlaying(playing) training started or paused
//   onPanel(frame)     a binary frame of a kind in the panel's `kinds`
//   onMessage(m)       a text message of a type in the panel's `types`
//   onError(m)         an error answering a request of one of the panel's `kinds` (`m.panel`)
// and, when it has a picture to download, `picture()`: the canvas to save as a PNG (or null
// while there is none). main.js registers the panels by name: space, probes, player,
// backprop, userdata (`window.depthlens.panels.get(name)`).

/**
 * @typedef {object} NetworkHooks  the network diagram, as panels may use it
 * @property {(f: (what: ({kind: "node"|"edge", item: object}|null)) => void) => () => void} onHover
 *   hear which node or edge the pointer enters (null: it left); returns a function that stops it
 * @property {(d?: {overlay?: object|null, labels?: (string|null)[]|null,
 *   highlight?: {nodes: Set<number>, layers: Set<number>|null, edges?: Set<string>}|null,
 *   edgeLabels?: {layer: number, i: number, j: number, text: string}[]|null}) => void} decorate
 *   draw the diagram with edges coloured by `overlay` (else by the weights), value `labels` on
 *   nodes, `edgeLabels` on edges (W{layer}[i, j]) and a `highlight` (its `edges`: "layer:i:j"
 *   keys, network.js's edgeKey, the only edges drawn at full strength); what is left out is
 *   cleared (`decorate()`: the plain diagram). See NetworkView.setOverlay, setNodeLabels,
 *   setEdgeLabels, setHighlight.
 */

/**
 * @typedef {object} OutputHooks  the large output view, as panels may use it
 * @property {(curve: object|null) => void} setCurve  the network's curve on a 1-D plot
 * @property {(f: ((pick: {coords: number[], line: boolean}) => void)|null) => void} onPick
 *   hear clicks on the view (the data coordinates of the point clicked)
 * @property {(on: boolean) => void} adding  show the adding cursor over the view (or not)
 * @property {(point: ({split: "train"|"test", index: number}|null)) => void} mark
 *   ring one point of the data frame (its index into the split's points) on the view, where it
 *   is drawn, until marked again or `mark(null)` (the backprop stepper's point)
 */

/**
 * @typedef {object} PanelApi
 * @property {(message: object) => void} send  a message to the server (the session's socket)
 * @property {(text: string) => void} toast  a short note at the bottom of the page
 * @property {(name: string, file: Blob) => Promise<object>} upload  a CSV file as the session's
 *   data (over the page's transport); answers its summary or rejects with the server's message
 * @property {() => object|null} state  the last state from the server (null before the first)
 * @property {() => object|null} frame  the last training frame drawn on (null before the first
 *   of this network)
 * @property {NetworkHooks} network
 * @property {OutputHooks} output
 */

/**
 * The PanelApi of a playground: `send`, `toast`, `state()` and `frame()` from it, and the hooks
 * of its network diagram (a NetworkView) and output view (an OutputView).
 * @returns {PanelApi}
 */
export function panelApi({ send, toast, upload, state, frame, network, output }) {
  return Object.freeze({
    send,
    toast,
    upload,
    state,
    frame,
    network: Object.freeze({
      onHover(f) {
        network.listeners.add(f);
        return () => network.listeners.delete(f);
      },
      decorate(decorations) {
        network.decorate(decorations);
      },
    }),
    output: Object.freeze({
      setCurve(curve) {
        output.setCurve(curve);
      },
      onPick(f) {
        output.onPick = f;
      },
      adding(on) {
        output.points.classList.toggle("adding", on);
      },
      mark(point) {
        output.mark(point);
      },
    }),
  });
}

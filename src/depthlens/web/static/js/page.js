// The served page's entry (index.html): the playground on the document, over the websocket of
// the server that served it, the address bar holding its link.

import { start } from "./main.js";

window.depthlens = start(); // for the browser tests and the curious

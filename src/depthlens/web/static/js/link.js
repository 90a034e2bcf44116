// The address bar holds the experiment (the Config's link, which the server parses) and a few
// settings of the page itself, which never reach the server: `present=1` (presentation mode).

/** The page's own link fields, with the value each takes when the link does not name it. */
export const PAGE_FIELDS = Object.freeze({ present: "0" });

/**
 * Split a link (the address bar after `#`) into the Config's part and the page's own fields.
 * @param {string} query  e.g. "dataset=xor&present=1"
 * @returns {{config: string, page: {present: boolean}}}
 */
export function splitLink(query) {
  const config = [];
  const page = { present: false };
  for (const part of query.split("&")) {
    if (!part) continue;
    const [key, value = ""] = part.split("=");
    if (Object.hasOwn(PAGE_FIELDS, decodeURIComponent(key))) {
      page.present = value === "1" || value === "true";
    } else {
      config.push(part);
    }
  }
  return { config: config.join("&"), page };
}

/**
 * The link of a Config query and the page's own fields (only those not at their default).
 * @param {string} config  the Config's link, as the server gives it
 * @param {{present: boolean}} page
 * @returns {string}
 */
export function joinLink(config, page) {
  const extra = page.present ? ["present=1"] : [];
  return [config, ...extra].filter(Boolean).join("&");
}

// HTTP calls of the page: JSON answers, and the server's `{field, message}` refusals as errors.

/** `fetch(url, init)` and its JSON answer; a refused request (or no connection) throws an
 * Error whose message is the server's message and whose `field` is the field it names. */
export async function fetchJSON(url, init = {}) {
  const response = await fetch(url, init);
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = new Error(data?.message ?? `${url}: HTTP ${response.status}`);
    error.field = data?.field;
    throw error;
  }
  return data;
}

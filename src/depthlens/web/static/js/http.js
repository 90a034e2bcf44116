// HTTP calls of the page: JSON answers, and the server's `{field, message}` refusals as errors.

/** The id of this tab's session (from the socket's `hello`), or null before it is known. */
let session = null;

/** Name this tab's session in every later `fetchJSON` call (the `X-Depthlens-Session` header:
 * the server queues a tab's Lab races by it, one of each kind at a time). */
export function setSession(id) {
  session = typeof id === "string" && id ? id : null;
}

/** `fetch(url, init)` and its JSON answer, with this tab's session header once it is known; a
 * refused request (or no connection) throws an Error whose message is the server's message,
 * whose `field` is the field it names and whose `status` is the HTTP status (0: no answer). */
export async function fetchJSON(url, init = {}) {
  const headers = new Headers(init.headers ?? {});
  if (session) headers.set("X-Depthlens-Session", session);
  let response;
  try {
    response = await fetch(url, { ...init, headers });
  } catch (err) {
    err.status = 0;
    throw err;
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = new Error(data?.message ?? `${url}: HTTP ${response.status}`);
    error.field = data?.field;
    error.status = response.status;
    throw error;
  }
  return data;
}

/** Was `err` the answer to a Lab request that a newer request of this tab replaced (HTTP 409)?
 * The newer request's answer follows: the page shows nothing for the older one. */
export function superseded(err) {
  return err?.status === 409 && err.field === "request";
}

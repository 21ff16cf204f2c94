/**
 * A tiny element builder. Text is always set as text (never parsed as HTML), so route names and
 * failure reasons from the Worker cannot inject markup; no style attributes (the page's CSP allows
 * only its own stylesheet).
 */

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Props
 */

/**
 * @param {Element} el
 * @param {Props} props
 */
function applyProps(el, props) {
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (typeof value === "function") continue;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
}

/**
 * @param {Element} el
 * @param {Child[]} children
 */
function append(el, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "object" ? c : String(c));
  }
}

/**
 * An HTML element: h("a", { href: "#/runs" }, "Runs").
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  applyProps(el, props);
  append(el, /** @type {Child[]} */ (children.flat()));
  return el;
}

/**
 * An SVG element.
 * @param {string} tag
 * @param {Props} [props]
 * @param {...(Child | Child[])} children
 * @returns {SVGElement}
 */
export function svg(tag, props = {}, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS("http://www.w3.org/2000/svg", tag));
  applyProps(el, props);
  append(el, /** @type {Child[]} */ (children.flat()));
  return el;
}

/**
 * The element with this id (the page's fixed skeleton); a missing one is a bug worth a clear error.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @returns {T}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`console: element #${id} is missing`);
  return /** @type {T} */ (el);
}

/**
 * Shows a message in a message element (hidden when text is empty).
 * @param {HTMLElement} el
 * @param {string} text
 * @param {"info" | "ok" | "error"} [kind]
 * @param {Node[]} [extra] nodes appended after the text (links)
 */
export function say(el, text, kind = "info", extra = []) {
  el.replaceChildren(text, ...extra);
  el.hidden = text === "" && extra.length === 0;
  el.classList.toggle("error", kind === "error");
  el.classList.toggle("ok", kind === "ok");
}

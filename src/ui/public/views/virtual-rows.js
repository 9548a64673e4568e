// A long list drawn a window at a time: only the rows in view, and a margin of rows above and below, are
// in the document; two spacers stand for the rest, so that the scroll bar is that of the whole list. Ten
// thousand rows as DOM nodes froze the page for seconds on every redraw; sixty do not. Rows must all have
// one height (the CSS keeps each on one line); it is measured on the first row drawn.
import { el } from "../app.js";

/** Rows drawn beyond each edge of the view, so that a scroll of a few rows draws nothing new. */
const MARGIN = 30;
/** A row's height until one is measured (px). */
const GUESS = 20;

/** @param {HTMLElement} scroller the element that scrolls (its height is bounded by the CSS) */
export function virtualRows(scroller) {
  let body = null;
  let items = [];
  let draw = null;
  let spacer = null;
  let rowHeight = GUESS;
  let from = 0;
  let to = 0;
  let frame = 0;
  let onDrawn = () => {};
  scroller.addEventListener("scroll", () => {
    if (frame || !body) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      update(false);
    });
  });

  /** Where the body's first row sits in the scroller's content (px). */
  function bodyTop() {
    return body.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
  }

  /** The rows the view covers now: [first, last). */
  function inView() {
    const top = scroller.scrollTop - bodyTop();
    // Within the list even when it has just shrunk under a scroll position further down.
    const first = Math.max(0, Math.min(Math.floor(top / rowHeight), items.length - 1));
    const last = Math.min(items.length, Math.ceil((top + scroller.clientHeight) / rowHeight));
    return [first, last];
  }

  /** Draws the window around the view unless the drawn one still covers it (or `force`). */
  function update(force) {
    const [first, last] = inView();
    if (!force && first >= from && last <= to) return;
    from = Math.max(0, first - MARGIN);
    to = Math.min(items.length, Math.max(last, first + 1) + MARGIN);
    const hadFocus = body.contains(document.activeElement);
    body.replaceChildren(
      spacer(from * rowHeight),
      ...items.slice(from, to).map(draw),
      spacer((items.length - to) * rowHeight),
    );
    const measured = body.children[1]?.getBoundingClientRect().height;
    if (to > from && measured > 0 && Math.abs(measured - rowHeight) > 0.5) {
      // The first draw (or a new font size) tells the real height: draw again with it.
      rowHeight = measured;
      update(true);
      return;
    }
    onDrawn(hadFocus);
  }

  return {
    /**
     * Shows `list.container` in the scroller (in place of what it showed) and `list.items` in
     * `list.body` (the container, or an element in it), each item drawn by
     * `list.draw`, the rows not drawn stood for by `list.spacer(px)` (an empty element that fits in the
     * body: listSpacer, tableSpacer); `list.drawn(hadFocus)` is called after each draw, told whether the
     * focus was in the list before it.
     */
    show(list) {
      const scrollTop = scroller.scrollTop;
      ({ body, items, draw, spacer } = list);
      onDrawn = list.drawn;
      // The whole height first, so that the scroll position is kept: a live redraw does not move the
      // list under the operator's eyes.
      body.replaceChildren(spacer(items.length * rowHeight));
      scroller.replaceChildren(list.container);
      scroller.scrollTop = scrollTop;
      update(true);
    },
    /** Scrolls the least that brings row `index` whole into view, and draws it. */
    reveal(index) {
      const top = bodyTop() + index * rowHeight;
      if (top < scroller.scrollTop) scroller.scrollTop = top;
      else if (top + rowHeight > scroller.scrollTop + scroller.clientHeight)
        scroller.scrollTop = top + rowHeight - scroller.clientHeight;
      update(false);
    },
    /** Whether row `index` is in the document. */
    drawn: (index) => index >= from && index < to,
  };
}

/** Sets an element's height through the CSSOM (the page's CSP refuses style attributes). */
function high(element, px) {
  element.style.height = `${px}px`;
  return element;
}

/** A spacer for a list (`ul`) of rows. */
export const listSpacer = (px) => high(el("li", { class: "spacer", role: "none" }), px);

/** A spacer for a table body of `columns` columns. */
export const tableSpacer = (columns) => (px) =>
  el("tr", { class: "spacer", "aria-hidden": "true" }, high(el("td", { colspan: String(columns) }), px));

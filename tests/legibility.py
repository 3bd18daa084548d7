"""How large a page's text is as drawn, for the browser tests of the app and the lesson: every
visible text on screen with its size in CSS pixels as it is drawn (its font size times the scale of
any transform, or of the SVG picture it is in). 16 pt is 21.33 px (CSS: 96 px to 72 pt)."""

from __future__ import annotations

#: 16 pt in CSS pixels
PT16 = 16 * 96 / 72

#: [size in px as drawn, the text's first words] of every visible text element in the viewport
#: (including the parts below the fold, which scroll into it)
DRAWN_TEXT_SIZES = """
() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || seen.has(el)) continue;
    seen.add(el);
    if (el.closest("style, script, noscript, title, [hidden], [aria-hidden='true']")) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    if (parseFloat(style.opacity) === 0) continue;
    const rects = el.getClientRects();
    if (!rects.length) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue;
    if (box.right <= 0 || box.left >= innerWidth) continue;  // off screen sideways: a closed drawer
    let size = parseFloat(style.fontSize);
    if (el instanceof SVGElement) {
      const ctm = el.getScreenCTM();
      size *= ctm ? Math.hypot(ctm.a, ctm.b) : 1;
    } else if (el.offsetWidth > 0) {
      size *= box.width / el.offsetWidth;  // a transform's scale (Vuetify's floating labels)
    }
    out.push([Math.round(size * 100) / 100, text.slice(0, 40)]);
  }
  return out;
}
"""

"""Headless Chromium for tests: Debian's ``chromium``, driven by Playwright (which never downloads a
browser here: it is always given the system's executable). Tests skip with the reason when either
is missing; CI installs both (.ci/run, pyproject's ``test`` extra)."""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
                 "--disable-extensions", "--no-first-run", "--mute-audio"]


def chromium_path() -> str | None:
    """``$PERFLIB_CHROMIUM`` if set (a name that is not an executable, e.g. ``none``, skips), else Debian's."""
    chosen = os.environ.get("PERFLIB_CHROMIUM", "").strip()
    if chosen:
        return shutil.which(chosen)
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def chromium():
    """A headless Chromium browser, or a skip saying what is missing."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("未安装 Chromium（Debian 软件包 chromium），跳过浏览器测试")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("未安装 Python 包 playwright（pip install -e '.[test]'），跳过浏览器测试")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# Characters no installed font can draw are drawn as the same box (.notdef) as an unassigned code
# point; a drawn character that matches that box, or draws nothing, is a missing glyph.
MISSING_GLYPHS_JS = r"""
(extra) => {
  const text = document.body.innerText + extra;
  const chars = [...new Set([...text].filter(c => c.trim()))];
  const canvas = document.createElement('canvas');
  canvas.width = 48; canvas.height = 48;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const ink = (c, font) => {
    ctx.clearRect(0, 0, 48, 48); ctx.font = font; ctx.textBaseline = 'top'; ctx.fillStyle = '#000';
    ctx.fillText(c, 4, 4);
    const alpha = ctx.getImageData(0, 0, 48, 48).data;
    let sum = 0, weighted = 0;
    for (let i = 3; i < alpha.length; i += 4) { sum += alpha[i]; weighted += alpha[i] * (i % 997); }
    return sum + ':' + weighted;
  };
  const missing = new Set();
  const elements = [document.body, document.querySelector('h1'), document.querySelector('h2'),
                    document.querySelector('.run-in'), document.querySelector('th')].filter(Boolean);
  for (const el of elements) {
    const style = getComputedStyle(el);
    const font = `${style.fontWeight} 32px ${style.fontFamily}`;
    const box = ink('\u{10FFFD}', font);
    for (const c of chars) {
      const drawn = ink(c, font);
      if (drawn === box || drawn.startsWith('0:')) missing.add(c);
    }
  }
  return [...missing];
}
"""

LAYOUT_JS = r"""
() => {
  const width = window.innerWidth;
  const boxes = [...document.querySelectorAll('table, figure img')].map(el => {
    const r = el.getBoundingClientRect();
    const wrap = el.closest('.table-wrap');
    return {tag: el.tagName, left: r.left, right: r.right, width: r.width, height: r.height,
            loaded: el.tagName !== 'IMG' || (el.complete && el.naturalWidth > 0),
            clipped: wrap ? wrap.scrollWidth > wrap.clientWidth + 1 : false};
  });
  return {scrollWidth: document.documentElement.scrollWidth, width: width, boxes: boxes};
}
"""

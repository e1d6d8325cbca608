"""A CJK font for Chinese class names in matplotlib figures and PIL images.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs: ``可回收物``
is drawn as boxes, with a "Glyph ... missing from font(s)" warning. This
module finds an installed font that covers Chinese (Noto Sans CJK, Source
Han Sans, WenQuanYi, SimHei, Microsoft YaHei, PingFang, ...) and puts it
after the default family in matplotlib's font list, so Latin text keeps
its look and Chinese text falls back to real glyphs. When none is
installed, one clear note says how to install one
(``apt-get install fonts-noto-cjk``).
"""
import functools
import os
import sys
import warnings
from typing import Optional, Tuple

from PIL import ImageFont

#: characters a font must cover to count as a Chinese font
PROBE = '可回收物厨余垃圾有害其他'
#: preferred families, best first (sans-serif, Simplified Chinese)
PREFERRED = ('Noto Sans CJK SC', 'Noto Sans CJK JP', 'Noto Sans SC',
             'Source Han Sans SC', 'Source Han Sans CN', 'WenQuanYi Zen Hei',
             'WenQuanYi Micro Hei', 'Droid Sans Fallback', 'SimHei',
             'Microsoft YaHei', 'PingFang SC', 'Heiti SC', 'Arial Unicode MS',
             'Noto Serif CJK SC', 'AR PL UMing CN')
INSTALL_HINT = ('no font with Chinese glyphs found, Chinese class names will '
                'show as boxes: install one (Debian/Ubuntu: apt-get install '
                'fonts-noto-cjk; or set MMGARBAGE_CJK_FONT=/path/to/font.ttf)')


def covers(path: str, text: str = PROBE) -> bool:
    """Whether the font file has a glyph for every character of ``text``.

    Args:
        path: A ``.ttf``/``.otf``/``.ttc`` file.
        text: Characters to look up.

    Returns:
        ``True`` when none is missing.
    """
    # heavy: loaded when a font is checked
    from matplotlib.ft2font import FT2Font
    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in text)


_FACE_INDEX = 0  # the face of the family inside a .ttc collection


@functools.lru_cache(maxsize=None)
def _find() -> Tuple[Optional[str], Optional[str]]:
    """``(font file, family name)`` of a CJK font, or ``(None, None)``."""
    from matplotlib import font_manager  # heavy: loaded when fonts are listed
    forced = os.environ.get('MMGARBAGE_CJK_FONT')
    if forced:
        if os.path.isfile(forced) and covers(forced):
            font_manager.fontManager.addfont(forced)
            return forced, font_manager.FontProperties(fname=forced).get_name()
        warnings.warn(f'MMGARBAGE_CJK_FONT={forced} is not a font file with '
                      'Chinese glyphs; looking for an installed one.')
    by_name = {}
    for e in font_manager.fontManager.ttflist:
        # prefer the regular weight of a family
        if e.name not in by_name or (e.weight in (400, 'normal', 'regular')
                                     and e.style == 'normal'):
            by_name[e.name] = e
    names = [n for n in PREFERRED if n in by_name] + sorted(
        n for n in by_name if n not in PREFERRED)
    for name in names:
        # 'Last Resort' fonts (matplotlib ships one) map every code point to
        # a placeholder box: they cover the probe but draw no Chinese
        if 'last resort' in name.lower():
            continue
        if covers(by_name[name].fname):
            global _FACE_INDEX
            _FACE_INDEX = int(getattr(by_name[name], 'index', 0) or 0)
            return by_name[name].fname, name
    return _find_uncached(font_manager)


def _find_uncached(font_manager) -> Tuple[Optional[str], Optional[str]]:
    """A CJK font installed after matplotlib cached its font list.

    matplotlib keeps the font list it built on first use
    (``~/.cache/matplotlib``), so a font installed later is missing from it
    until that cache is deleted. This looks at the installed font files
    themselves (likely CJK files first) and registers the first that covers
    :data:`PROBE`.
    """
    hints = ('cjk', 'han', 'wqy', 'wenquanyi', 'droid', 'simhei', 'yahei',
             'pingfang', 'heiti', 'uming')
    paths = sorted(
        font_manager.findSystemFonts(),
        key=lambda p:
        (not any(h in os.path.basename(p).lower() for h in hints), p))
    for path in paths:
        if 'lastresort' in os.path.basename(path).lower().replace(' ', ''):
            continue
        if covers(path):
            font_manager.fontManager.addfont(path)
            global _FACE_INDEX
            _FACE_INDEX = 0  # a collection's first face, as FT2Font reads it
            return path, font_manager.FontProperties(fname=path).get_name()
    return None, None


def find_cjk_font() -> Optional[str]:
    """The file of an installed font with Chinese glyphs.

    ``MMGARBAGE_CJK_FONT`` (a font file) wins; else the first family of
    :data:`PREFERRED` that matplotlib's font manager knows, else any font it
    knows that covers :data:`PROBE`, else an installed font file that covers
    it but is missing from matplotlib's cached font list.

    Returns:
        The font file, or ``None`` when there is none.
    """
    return _find()[0]


def _cjk_family() -> Optional[str]:
    return _find()[1]


_warned = False


def use_cjk_font(quiet: bool = False) -> Optional[str]:
    """Let matplotlib draw Chinese: fall back to a CJK font after the default.

    Call it before drawing; it is cheap after the first call.

    Args:
        quiet: Do not print the note when no CJK font is installed.

    Returns:
        The CJK family name, or ``None`` (then a one-line note is printed
        once).
    """
    import matplotlib  # heavy: loaded when a figure is drawn
    global _warned
    family = _cjk_family()
    if family is None:
        if not quiet and not _warned:
            _warned = True
            print(f'note: {INSTALL_HINT}', file=sys.stderr)
        return None
    # A generic family ('sans-serif') resolves to one font, so the CJK family
    # is listed after it: matplotlib falls back to it glyph by glyph.
    current = list(matplotlib.rcParams['font.family'])
    if family not in current:
        matplotlib.rcParams['font.family'] = current + [family]
    matplotlib.rcParams['axes.unicode_minus'] = False
    return family


def pil_font(size: int = 12):
    """A PIL font that draws Chinese (the CJK font), else PIL's default.

    Args:
        size: Pixel size.

    Returns:
        An ``ImageFont``.
    """
    path = find_cjk_font()
    if path is not None:
        try:
            return ImageFont.truetype(path, size, index=_FACE_INDEX)
        except OSError:
            pass
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()

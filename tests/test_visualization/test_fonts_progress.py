"""Chinese class names render with real glyphs; progress bars only on a TTY."""
import io
import warnings

import numpy as np
import pytest

LABEL = '可回收物/易拉罐 (recyclable: can)'


def _draw(title: str):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        fig, ax = plt.subplots(figsize=(3, 1))
        ax.set_title(title)
        fig.canvas.draw()
        plt.close(fig)
    return [
        str(w.message) for w in caught if 'missing from font' in str(w.message)
    ]


@pytest.fixture
def cjk_font():
    from mmext.visualization.fonts import find_cjk_font
    path = find_cjk_font()
    if path is None:
        pytest.skip('no CJK font installed (apt-get install fonts-noto-cjk; '
                    '.ci/run installs it where apt is available)')
    return path


def test_last_resort_font_is_not_taken_for_chinese():
    """matplotlib's Last Resort font covers every code point with a box."""
    from mmext.visualization import fonts
    fonts._find.cache_clear()
    try:
        path = fonts.find_cjk_font()
    finally:
        fonts._find.cache_clear()
    assert path is None or 'lastresort' not in path.lower()


def test_cjk_font_installed_after_the_font_cache_is_found(monkeypatch):
    """A font list cached before the CJK font was installed lacks it."""
    import shutil
    import subprocess

    from matplotlib import font_manager

    from mmext.visualization import fonts
    if not shutil.which('fc-list') or not subprocess.run(
        ['fc-list', ':lang=zh'], capture_output=True,
            text=True).stdout.strip():
        pytest.skip('no CJK font installed (apt-get install fonts-noto-cjk)')
    stale = [
        e for e in font_manager.fontManager.ttflist
        if not fonts.covers(e.fname) or 'last resort' in e.name.lower()
    ]
    monkeypatch.setattr(font_manager.fontManager, 'ttflist', stale)
    fonts._find.cache_clear()
    try:
        path = fonts.find_cjk_font()
    finally:
        fonts._find.cache_clear()
    assert path is not None and fonts.covers(path)
    assert 'lastresort' not in path.lower()


def test_chinese_label_has_no_missing_glyph(cjk_font):
    import matplotlib

    from mmext.visualization.fonts import use_cjk_font
    with matplotlib.rc_context():
        # without the CJK fallback, matplotlib's default font misses glyphs:
        # the check below can fail
        matplotlib.rcParams['font.family'] = ['sans-serif']
        assert _draw(LABEL)
        family = use_cjk_font()
        assert family
        assert _draw(LABEL) == []


def test_pil_font_draws_distinct_chinese_glyphs(cjk_font):
    """A missing glyph is drawn as the same box for every character."""
    from PIL import Image, ImageDraw, ImageFont

    from mmext.visualization.fonts import pil_font

    def ink(font, ch):
        im = Image.new('L', (40, 40), 0)
        ImageDraw.Draw(im).text((4, 4), ch, fill=255, font=font)
        return np.asarray(im) > 0

    font = pil_font(24)
    glyphs = [ink(font, ch) for ch in '可回收物']
    assert all(g.sum() > 20 for g in glyphs)
    assert not np.array_equal(glyphs[0], glyphs[1])
    assert not np.array_equal(glyphs[2], glyphs[3])
    try:  # PIL's own font has no Chinese: its glyphs are all the same box
        plain = ImageFont.load_default(size=24)
    except TypeError:
        return
    boxes = [ink(plain, ch) for ch in '可回']
    assert np.array_equal(boxes[0], boxes[1])


def test_no_font_gives_one_clear_note(monkeypatch, capsys):
    import mmext.visualization.fonts as fonts
    monkeypatch.setattr(fonts, '_find', lambda: (None, None))
    monkeypatch.setattr(fonts, '_warned', False)
    assert fonts.use_cjk_font() is None
    assert fonts.use_cjk_font() is None
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'fonts-noto-cjk' in err[0]


class FakeTTY(io.StringIO):

    def isatty(self):
        return True


def test_progress_quiet_off_a_terminal(monkeypatch):
    from mmext.progress import track
    monkeypatch.delenv('MMGARBAGE_PROGRESS', raising=False)
    pipe = io.StringIO()
    assert list(track(range(5), 'work', stream=pipe)) == list(range(5))
    assert pipe.getvalue() == ''
    tty = FakeTTY()
    assert list(track(range(5), 'work', stream=tty)) == list(range(5))
    assert 'work' in tty.getvalue() and '5/5' in tty.getvalue()
    monkeypatch.setenv('MMGARBAGE_PROGRESS', '0')
    tty = FakeTTY()
    assert list(track(iter(range(3)), 'x', stream=tty)) == [0, 1, 2]
    assert tty.getvalue() == ''


def test_predict_files_in_chunks_with_a_bar(monkeypatch, capsys):
    from mmext.progress import predict_files

    calls = []

    def predictor(files, topk=1, batch_size=8):
        calls.append(list(files))
        return [dict(file=f, topk=topk) for f in files]

    files = [f'{i}.jpg' for i in range(7)]
    monkeypatch.setenv('MMGARBAGE_PROGRESS', '0')
    assert predict_files(predictor, files, 2,
                         3) == [dict(file=f, topk=2) for f in files]
    assert calls == [files]  # one call, no bar
    assert capsys.readouterr().err == ''
    calls.clear()
    monkeypatch.setenv('MMGARBAGE_PROGRESS', '1')
    assert [r['file'] for r in predict_files(predictor, files, 1, 3)] == files
    assert calls == [files[:3], files[3:6], files[6:]]
    assert '3/3' in capsys.readouterr().err

"""The web demo (tools/demo.py): its scores are tools/predict.py's, and it
works in a real browser (Debian's headless Chromium driven by selenium),
offline.
"""
import os
import os.path as osp
import re
import runpy
import shutil
import socket
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import make_tiny_resnet_run

REPO = Path(__file__).resolve().parents[2]
pytest.importorskip(
    'pytorch_grad_cam',
    reason='grad-cam is not installed '
    "(pip install -e '.[demo]')")


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    return make_tiny_resnet_run(tmp_path_factory.mktemp('demo'))


@pytest.mark.slow
@pytest.mark.e2e
def test_demo_scores_are_predict_scores(tiny, monkeypatch, capsys):
    from mmext.apis.inference import Predictor
    from mmext.demo.app import DemoModel
    predictor = Predictor(tiny['cfg'], tiny['ckpt'], device='cpu')
    demo = DemoModel(predictor, topk=3)
    expected = Predictor(
        tiny['cfg'], tiny['ckpt'], device='cpu')(
            tiny['paths'], topk=3)
    # tools/predict.py's printed lines, as a user runs it
    monkeypatch.setattr(sys, 'argv', [
        'predict.py',
        str(tiny['data']), tiny['cfg'], tiny['ckpt'], '--topk', '3'
    ])
    runpy.run_path(str(REPO / 'tools' / 'predict.py'), run_name='__main__')
    printed = {
        ln.split()[0]: ln
        for ln in capsys.readouterr().out.strip().splitlines()
    }
    for path, exp in zip(tiny['paths'], expected):
        out = demo.classify(path)
        res = out['result']
        np.testing.assert_allclose(
            res['scores_all'], exp['scores_all'], atol=1e-6)
        assert res['labels'] == exp['labels']
        assert list(out['label'].values()) == pytest.approx(
            exp['scores'], abs=1e-6)
        top = exp['classes'][0]
        assert re.search(rf'data-score="{exp["scores"][0]:.6f}"', out['html'])
        line = printed[osp.relpath(path, tiny['data'])]
        assert f'{top} ({exp["scores"][0]:.4f})' in line
        assert f'score {exp["scores"][0]:.4f}' in out['html']
        assert out['cam'].shape == (320, 320, 3)  # 32px crop, enlarged


@pytest.mark.slow
@pytest.mark.e2e
def test_demo_tta_scores_are_predict_tta_scores(tiny, monkeypatch):
    """tools/demo.py --tta shows tools/predict.py --tta's scores."""
    import mmext.demo.app as app
    from mmext.apis.inference import Predictor
    built = {}

    def fake_build_demo(model, gallery, subtitle=''):
        built.update(model=model, subtitle=subtitle)
        return 'demo'

    monkeypatch.setattr(app, 'build_demo', fake_build_demo)
    monkeypatch.setattr(app, 'launch', lambda *a, **k: None)
    monkeypatch.setattr(sys, 'argv', [
        'demo.py', tiny['cfg'], tiny['ckpt'], '--tta', '--cam', 'none',
        '--gallery', 'none', '--topk', '3', '--device', 'cpu'
    ])
    runpy.run_path(str(REPO / 'tools' / 'demo.py'), run_name='__main__')
    model = built['model']
    assert model.predictor.views == 2  # no training flips: stock mirror TTA
    assert 'averaged over 2 views (--tta)' in built['subtitle']
    tta = Predictor(tiny['cfg'], tiny['ckpt'], device='cpu', tta=True)
    plain = Predictor(tiny['cfg'], tiny['ckpt'], device='cpu')
    assert plain.views == 1
    expected = tta(tiny['paths'], topk=3)
    single = plain(tiny['paths'], topk=3)
    for path, exp in zip(tiny['paths'], expected):
        res = model.classify(path)['result']
        np.testing.assert_allclose(
            res['scores_all'], exp['scores_all'], atol=1e-6)
    gaps = [
        np.abs(np.subtract(t['scores_all'], s['scores_all'])).max()
        for t, s in zip(expected, single)
    ]
    assert max(gaps) > 1e-4  # the views differ: the flag changes the scores


def test_demo_card_names_and_bin_colours():
    from mmext.demo.app import DemoModel
    from mmext.demo.names import BIN_COLOURS, bin_label, display_name

    class FakePredictor:
        classes = ['可回收物/易拉罐', '有害垃圾/干电池', 'glass']
        temperature = 1.7

    demo = DemoModel(FakePredictor(), cam_method=None)
    card = demo.card(
        dict(classes=['有害垃圾/干电池'], labels=[1], scores=[0.875], bin='有害垃圾'))
    assert '干电池' in card and 'data-score="0.875000"' in card
    assert f'background:{BIN_COLOURS["hazardous"]}' in card
    assert '有害垃圾 / hazardous' in card and 'temperature 1.70' in card
    assert display_name('glass') == '玻璃 / glass'
    assert display_name('可回收物/易拉罐') == '易拉罐'
    assert display_name('mystery', {'mystery': '谜 / mystery'}) == \
        '谜 / mystery'
    assert bin_label('recyclable') == '可回收物 / recyclable'
    card = demo.card(dict(classes=['<b>x</b>'], labels=[0], scores=[0.5]))
    assert '<b>x</b>' not in card  # names are escaped


# ------------------------------------------------------------------ browser
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
CHROMEDRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'
LOCAL = re.compile(r'^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/|'
                   r'^(data|blob|about|chrome|devtools):')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
def browser(tmp_path):
    if not (osp.isfile(CHROMIUM) and osp.isfile(CHROMEDRIVER)):
        pytest.skip('no headless Chromium: apt-get install chromium '
                    'chromium-driver (.ci/run installs them where apt works)')
    webdriver = pytest.importorskip(
        'selenium.webdriver',
        reason='selenium is not installed (pip '
        "install -e '.[tests]')")
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ('--headless', '--no-sandbox', '--disable-gpu',
                 '--disable-quic', '--no-first-run',
                 '--disable-background-networking',
                 '--disable-component-update', '--disable-sync',
                 '--disable-dev-shm-usage', '--window-size=1280,1000',
                 f'--user-data-dir={tmp_path / "chromium-profile"}'):
        opts.add_argument(flag)
    opts.set_capability('goog:loggingPrefs', {'performance': 'ALL'})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def requested_urls(driver) -> list:
    import json
    urls = []
    for entry in driver.get_log('performance'):
        msg = json.loads(entry['message'])['message']
        if msg.get('method') == 'Network.requestWillBeSent':
            urls.append(msg['params']['request']['url'])
    return urls


@pytest.mark.slow
@pytest.mark.e2e
def test_demo_in_a_real_browser(tiny, browser, shared_dir, tmp_path):
    """Upload a real TrashNet photo, read class and score off the page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from mmext.apis.inference import Predictor
    from mmext.demo.app import DemoModel, build_demo, gallery_items, launch

    photo = shared_dir / 'data' / 'trashnet-150px' / 'images' / 'glass' / \
        'glass1.jpg'
    if not photo.is_file():
        photo = next(
            (shared_dir / 'data' / 'trashnet-150px' / 'images').rglob('*.jpg'))
    predictor = Predictor(tiny['cfg'], tiny['ckpt'], device='cpu')
    expected = predictor([str(photo)], topk=3)[0]
    model = DemoModel(predictor, topk=3)
    gallery = gallery_items(
        tiny['paths'], [0, 0, 0, 1, 1, 1, 2, 2, 2],
        predictor.classes,
        per_class=2)
    demo = build_demo(model, gallery)
    port = free_port()
    url = launch(
        demo,
        port=port,
        block=False,
        quiet=True,
        allowed_paths=[str(tiny['data'])])
    try:
        assert url.startswith('http://127.0.0.1:')
        browser.get(url)
        wait = WebDriverWait(browser, 60)
        upload = wait.until(
            ec.presence_of_element_located(
                (By.CSS_SELECTOR, '#mmg-input input[type=file]')))
        upload.send_keys(str(photo))
        result = wait.until(
            ec.presence_of_element_located((By.CSS_SELECTOR, '#mmg-result')))
        shown_class = browser.find_element(By.ID, 'mmg-class').text
        shown_score = browser.find_element(By.ID, 'mmg-score').text
        assert shown_class == model.display(expected['classes'][0])
        assert shown_score == f'score {expected["scores"][0]:.4f}'
        assert float(result.get_attribute('data-score')) == pytest.approx(
            expected['scores'][0], abs=1e-6)
        bin_el = browser.find_element(By.ID, 'mmg-bin')
        assert bin_el.text.split(' / ')[-1] in ('recyclable', 'other waste')
        # the Grad-CAM overlay arrived as an image
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '#mmg-cam img'))
        time.sleep(0.5)
        out = Path(os.environ.get('MMGARBAGE_SCREENSHOT_DIR', tmp_path))
        out.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(out / 'demo_upload.png'))

        # clicking a gallery image classifies it
        thumbs = browser.find_elements(By.CSS_SELECTOR,
                                       '#mmg-gallery button img')
        assert len(thumbs) == len(gallery)
        thumbs[-1].click()
        exp2 = predictor([gallery[-1][0]], topk=1)[0]
        wait.until(
            lambda d: d.find_element(By.ID, 'mmg-class').text == model
            .display(exp2['classes'][0]) and d.find_element(
                By.ID, 'mmg-score').text == f'score {exp2["scores"][0]:.4f}')
        assert browser.save_screenshot(str(out / 'demo_gallery.png'))

        # offline: the page asked nothing of any host but this one
        urls = requested_urls(browser)
        assert urls, 'no network log'
        external = [u for u in urls if not LOCAL.match(u)]
        assert external == []
    finally:
        demo.close()

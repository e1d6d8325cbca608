"""Every checkpoint scheme mmengine knows loads with ``weights_only=True``.

For each scheme a code-running pickle is planted exactly where that scheme's
loader finds it (the torch hub cache under the file name mmengine resolves,
the object-storage backend, the pavi client) and loaded through
``CheckpointLoader.load_checkpoint``, the function ``load_from``, ``--resume``,
``init_cfg=dict(type='Pretrained')`` and the inferencers call.
"""
import os
import sys
import types
from pathlib import Path
from urllib.parse import urlparse

import pytest
import torch
from mmengine.runner import checkpoint as mme_ckpt
from mmengine.runner.checkpoint import CheckpointLoader

from mmext.checkpoint import unsafe_schemes
from mmext.errors import CheckpointError


class _Evil:
    """Pickles to ``os.system('touch MARKER')``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def _evil_bytes(marker: Path, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            'state_dict': {
                'backbone.w': torch.zeros(1)
            },
            'x': _Evil(marker)
        }, path)


def _plain(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({'state_dict': {'backbone.w': torch.ones(2)}}, path)


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """``$TORCH_HOME`` and ``$MMENGINE_HOME`` in tmp; returns the cache dir."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    monkeypatch.setenv('MMENGINE_HOME', str(tmp_path / 'mmengine'))
    cache = tmp_path / 'torch' / 'hub' / 'checkpoints'
    cache.mkdir(parents=True)
    return cache


def _cached_name(url: str) -> str:
    return os.path.basename(urlparse(url).path)


HUB_CASES = [
    ('torchvision://resnet50',
     lambda: mme_ckpt.get_torchvision_models()['resnet50']),
    ('modelzoo://resnet18',
     lambda: mme_ckpt.get_torchvision_models()['resnet18']),
    ('open-mmlab://detectron/resnet50_caffe',
     lambda: mme_ckpt.get_external_models()['detectron/resnet50_caffe']),
    ('openmmlab://resnet50_v1c',
     lambda: mme_ckpt.get_external_models()['resnet50_v1c']),
    ('mmcls://vgg11', lambda: mme_ckpt.get_mmcls_models()['vgg11']),
    ('https://example.org/models/weights-1234.pth',
     lambda: 'https://example.org/models/weights-1234.pth'),
    ('http://example.org/w.pth?raw=1', lambda: 'http://example.org/w.pth'),
]


@pytest.mark.parametrize('uri,url', HUB_CASES, ids=[c[0] for c in HUB_CASES])
def test_hub_schemes_never_unpickle_code(uri, url, hub, tmp_path):
    marker = tmp_path / 'pwned'
    planted = hub / _cached_name(url())
    _evil_bytes(marker, planted)
    with pytest.raises(CheckpointError) as err:
        CheckpointLoader.load_checkpoint(
            uri, map_location='cpu', logger='silent')
    assert not marker.exists()
    assert 'arbitrary code' in str(err.value) and 'system' in str(err.value)
    # the same file name with plain weights loads: the planted file is the
    # one this scheme reads (no download was attempted, nothing is online)
    _plain(planted)
    ck = CheckpointLoader.load_checkpoint(
        uri, map_location='cpu', logger='silent')
    key = 'w' if uri.startswith('mmcls://') else 'backbone.w'  # mmcls strips
    assert torch.equal(ck['state_dict'][key], torch.ones(2))


def test_local_scheme(tmp_path):
    marker = tmp_path / 'pwned'
    _evil_bytes(marker, tmp_path / 'w.pth')
    with pytest.raises(CheckpointError, match='arbitrary code'):
        CheckpointLoader.load_checkpoint(
            str(tmp_path / 'w.pth'), logger='silent')
    assert not marker.exists()


def test_open_mmlab_local_table_entry(hub, tmp_path):
    """A model table entry that is a file under $MMENGINE_HOME, not a URL."""
    home = tmp_path / 'mmengine'
    home.mkdir()
    (home / 'open_mmlab.json').write_text('{"my/model": "models/mine.pth"}')
    marker = tmp_path / 'pwned'
    _evil_bytes(marker, home / 'models' / 'mine.pth')
    with pytest.raises(CheckpointError, match='arbitrary code'):
        CheckpointLoader.load_checkpoint(
            'open-mmlab://my/model', logger='silent')
    assert not marker.exists()


@pytest.mark.parametrize('uri', [
    's3://bucket/w.pth', 'petrel://bucket/w.pth', 'cluster1:s3://bucket/w.pth'
])
def test_object_storage_schemes(uri, tmp_path, monkeypatch):
    import io

    import mmengine.fileio
    marker = tmp_path / 'pwned'
    _evil_bytes(marker, tmp_path / 'evil.pth')
    payload = (tmp_path / 'evil.pth').read_bytes()
    asked = []

    class Backend:

        def get(self, filepath):
            asked.append(filepath)
            return payload

    monkeypatch.setattr(mmengine.fileio, 'get_file_backend',
                        lambda *a, **k: Backend())
    with pytest.raises(CheckpointError) as err:
        CheckpointLoader.load_checkpoint(uri, logger='silent')
    assert asked == [uri] and not marker.exists()
    assert uri in str(err.value) and 'arbitrary code' in str(err.value)
    buf = io.BytesIO()
    torch.save({'state_dict': {'w': torch.ones(1)}}, buf)
    payload = buf.getvalue()
    assert 'w' in CheckpointLoader.load_checkpoint(
        uri, logger='silent')['state_dict']


def test_pavi_scheme(tmp_path, monkeypatch):
    marker = tmp_path / 'pwned'
    _evil_bytes(marker, tmp_path / 'evil.pth')

    class Model:
        name = 'epoch_1.pth'

        def download(self, dst):
            Path(dst).write_bytes((tmp_path / 'evil.pth').read_bytes())

    pavi = types.ModuleType('pavi')
    pavi.modelcloud = types.SimpleNamespace(get=lambda path: Model())
    monkeypatch.setitem(sys.modules, 'pavi', pavi)
    with pytest.raises(CheckpointError, match='arbitrary code'):
        CheckpointLoader.load_checkpoint(
            'pavi://proj/epoch_1.pth', logger='silent')
    assert not marker.exists()
    monkeypatch.setitem(sys.modules, 'pavi', None)  # not installed
    with pytest.raises(CheckpointError, match='pip install pavi'):
        CheckpointLoader.load_checkpoint(
            'pavi://proj/epoch_1.pth', logger='silent')


def test_every_registered_scheme_is_ours():
    assert unsafe_schemes() == []


def test_mmengine_own_loader_would_run_the_code(hub, tmp_path):
    """Control: the planted file is a real threat without mmext's loader."""
    marker = tmp_path / 'pwned'
    _evil_bytes(
        marker,
        hub / _cached_name(mme_ckpt.get_torchvision_models()['resnet50']))
    try:
        mme_ckpt.load_from_torchvision('torchvision://resnet50')
    except Exception:  # noqa: BLE001 - the pickle's result is not a dict
        pass
    assert marker.exists()


def test_unknown_model_name_is_a_clear_error(hub):
    with pytest.raises(CheckpointError, match='torchvision://resnet50'):
        CheckpointLoader.load_checkpoint(
            'torchvision://resnet5O', logger='silent')

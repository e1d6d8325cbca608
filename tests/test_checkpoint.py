"""Checkpoints load with weights_only=True; a malicious pickle never runs."""
import os

import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader

from mmext.checkpoint import check_checkpoint_matches, safe_torch_load
from mmext.errors import CheckpointError


class _Evil:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_malicious_pickle_posing_as_weights_does_not_run(tmp_path):
    marker = tmp_path / 'pwned'
    bad = tmp_path / 'pretrained.pth'
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'x': _Evil(marker)}, bad)
    with pytest.raises(CheckpointError) as err:
        CheckpointLoader.load_checkpoint(str(bad))  # the path configs use
    assert not marker.exists()
    assert str(bad) in str(err.value) and 'arbitrary code' in str(err.value)


def test_plain_state_dict_and_missing_file(tmp_path, shared_dir):
    w = safe_torch_load(
        str(shared_dir / 'weights' /
            'mobilenet-v2_imagenet-backbone_mmpretrain.pth'))
    assert any(k.startswith('backbone.') for k in w['state_dict'])
    with pytest.raises(CheckpointError, match='does not exist'):
        safe_torch_load(str(tmp_path / 'nope.pth'))
    junk = tmp_path / 'junk.pth'
    junk.write_bytes(b'not a checkpoint')
    with pytest.raises(CheckpointError, match='Cannot read'):
        safe_torch_load(str(junk))


def test_mmengine_training_state_loads(tmp_path):
    from mmengine.logging import HistoryBuffer, MessageHub
    hub = MessageHub.get_instance('ckpt_test')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/loss', 0.5)
    path = tmp_path / 'epoch_1.pth'
    torch.save(
        {
            'meta': {
                'epoch': 1
            },
            'message_hub': hub.state_dict(),
            'state_dict': {
                'w': torch.ones(2)
            }
        }, path)
    ck = safe_torch_load(str(path))
    buf = ck['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer) and buf.mean() == pytest.approx(1.0)


def test_checkpoint_of_other_class_count_is_refused(tmp_path):
    from mmpretrain.registry import MODELS
    cfg = dict(
        type='ImageClassifier',
        backbone=dict(type='MobileNetV2', widen_factor=0.35),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', in_channels=1280, num_classes=6))
    six = MODELS.build(cfg)
    path = tmp_path / 'six.pth'
    torch.save({'state_dict': six.state_dict()}, path)
    cfg['head']['num_classes'] = 40
    with pytest.raises(CheckpointError) as err:
        check_checkpoint_matches(MODELS.build(cfg), str(path))
    assert 'model.head.num_classes=6' in str(err.value)
    cfg['backbone'] = dict(type='ResNet', depth=18)
    cfg['head'].update(in_channels=512, num_classes=6)
    with pytest.raises(CheckpointError, match='another architecture'):
        check_checkpoint_matches(MODELS.build(cfg), str(path))
    cfg.update(backbone=dict(type='MobileNetV2', widen_factor=0.35))
    cfg['head']['in_channels'] = 1280
    check_checkpoint_matches(MODELS.build(cfg), str(path))  # the right one

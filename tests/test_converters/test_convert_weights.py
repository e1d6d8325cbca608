"""Weight converters: torchvision / tonylins layouts -> mmpretrain keys.

Measured: the pooled features of the converted mmpretrain backbone and of the
original network differ by at most 0.0 (bit-identical; the test allows 1e-5)
for tonylins MobileNetV2 (shared ImageNet weights), torchvision MobileNetV2
(the same weights) and torchvision ResNet-50 (random weights).
"""
from pathlib import Path

import pytest
import torch

from mmext.checkpoint import safe_torch_load
from mmext.converters import (compare_features, convert_checkpoint,
                              convert_state_dict, detect_layout,
                              load_state_dict)
from mmext.converters.convert import tonylins_to_torchvision
from mmext.errors import CheckpointError

SHARED = Path(__file__).resolve().parents[3] / 'shared' / 'weights'
TONYLINS = SHARED / 'mobilenetv2_imagenet_features_original.pt'
MMPRETRAIN = SHARED / 'mobilenet-v2_imagenet-backbone_mmpretrain.pth'
TOL = 1e-5


@pytest.fixture(scope='module')
def tonylins():
    if not (TONYLINS.is_file() and MMPRETRAIN.is_file()):
        pytest.skip(f'shared MobileNetV2 weights not found under {SHARED}')
    return load_state_dict(str(TONYLINS))


@pytest.fixture(scope='module')
def reference():
    if not MMPRETRAIN.is_file():
        pytest.skip(f'{MMPRETRAIN} not found')
    return safe_torch_load(str(MMPRETRAIN))['state_dict']


def assert_same_tensors(got, want):
    assert sorted(got) == sorted(want)
    for key, value in want.items():
        assert torch.equal(got[key], value), key


def test_tonylins_mobilenet_v2_round_trip(tonylins, reference):
    assert detect_layout(tonylins) == ('mobilenet_v2', 'tonylins')
    converted = convert_state_dict(tonylins)
    # the same tensors as the shared file in mmpretrain's layout
    assert_same_tensors(converted, reference)
    diff = compare_features(tonylins, converted, 'mobilenet_v2', 'tonylins')
    assert diff <= TOL


def test_feature_check_catches_a_wrong_mapping(tonylins):
    converted = dict(convert_state_dict(tonylins))
    # swap two same-shaped tensors, as a wrong key mapping would
    a = 'backbone.layer2.0.conv.1.bn.weight'
    b = 'backbone.layer2.0.conv.0.bn.weight'
    assert converted[a].shape == converted[b].shape
    converted[a], converted[b] = converted[b], converted[a]
    assert compare_features(tonylins, converted, 'mobilenet_v2',
                            'tonylins') > 1e-3


def test_torchvision_mobilenet_v2_round_trip(tonylins, reference):
    from torchvision.models import mobilenet_v2
    model = mobilenet_v2(weights=None)
    features = {
        k[len('features.'):]: v
        for k, v in tonylins_to_torchvision(tonylins).items()
    }
    model.features.load_state_dict(features, strict=True)
    state = model.state_dict()
    assert detect_layout(state) == ('mobilenet_v2', 'torchvision')
    converted = convert_state_dict(state)
    assert torch.equal(converted['head.fc.weight'],
                       state['classifier.1.weight'])
    assert_same_tensors(
        {
            k: v
            for k, v in converted.items() if k.startswith('backbone.')
        }, reference)
    assert compare_features(state, converted, 'mobilenet_v2',
                            'torchvision') <= TOL


def test_torchvision_resnet50_round_trip():
    from torchvision.models import resnet50
    torch.manual_seed(0)
    model = resnet50(weights=None)
    for m in model.modules():  # non-trivial BatchNorm statistics
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
    state = model.state_dict()
    assert detect_layout(state) == ('resnet', 'torchvision')
    converted = convert_state_dict(state)
    assert len(converted) == len(state)
    assert torch.equal(converted['backbone.layer4.2.conv3.weight'],
                       state['layer4.2.conv3.weight'])
    assert torch.equal(converted['head.fc.bias'], state['fc.bias'])
    diff = compare_features(state, converted, 'resnet', 'torchvision', size=64)
    assert diff <= 1e-4


def test_convert_checkpoint_file_loads_as_pretrained(tonylins, reference,
                                                     tmp_path):
    from mmpretrain.models import MobileNetV2
    dst = tmp_path / 'mnv2_mmpretrain.pth'
    convert_checkpoint(str(TONYLINS), str(dst))
    backbone = MobileNetV2(
        init_cfg=dict(
            type='Pretrained', checkpoint=str(dst), prefix='backbone'))
    backbone.init_weights()
    got = backbone.state_dict()
    for key in ('conv1.conv.weight', 'layer7.0.conv.2.bn.running_var',
                'conv2.conv.weight'):
        assert torch.equal(got[key], reference['backbone.' + key])


def test_refuses_mmpretrain_layout_and_unknown_files(tmp_path):
    with pytest.raises(CheckpointError, match='already in mmpretrain'):
        detect_layout({'backbone.conv1.conv.weight': torch.zeros(1)})
    with pytest.raises(CheckpointError, match='Unrecognised'):
        detect_layout({'encoder.weight': torch.zeros(1)})
    bad = tmp_path / 'model.pt'
    torch.save({'step': torch.tensor(3), 'note': 'x'}, bad)
    with pytest.raises(CheckpointError, match='state dict of tensors'):
        load_state_dict(str(bad))

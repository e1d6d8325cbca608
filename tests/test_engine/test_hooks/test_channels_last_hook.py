"""ChannelsLastHook: same logits as the plain model, weights really NHWC."""
import copy

import torch
from mmpretrain.registry import MODELS

from mmext.engine.hooks.channels_last_hook import apply_channels_last


def test_channels_last_keeps_logits_and_converts_weights():
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(type='MobileNetV2', widen_factor=0.35),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=4, in_channels=1280)))
    model.eval()
    fast = apply_channels_last(copy.deepcopy(model))
    x = torch.randn(2, 3, 48, 48)
    with torch.no_grad():
        expected = model(x, mode='tensor')
        got = fast(x, mode='tensor')
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)
    conv = fast.backbone.conv1.conv.weight
    assert conv.is_contiguous(memory_format=torch.channels_last)
    assert not conv.is_contiguous()
    # the state dict loads back into a plain model with the same values
    plain = copy.deepcopy(model)
    plain.load_state_dict(fast.state_dict())
    for a, b in zip(plain.parameters(), fast.parameters()):
        torch.testing.assert_close(a, b)
    # applying twice is harmless (one input hook)
    apply_channels_last(fast)
    assert len(fast.backbone._forward_pre_hooks) == 1

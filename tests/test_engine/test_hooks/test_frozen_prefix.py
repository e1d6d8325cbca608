"""The frozen prefix as an inference graph: the same outputs, gradients and
BatchNorm statistics as the eager model, rebuilt when the frozen stages or
their weights change, invisible to state_dict and checkpoints."""
import copy
import pickle

import pytest
import torch
from mmpretrain.registry import MODELS
from test_unfreeze_hook import one_thread  # noqa: F401

import mmext  # noqa: F401  (registers the hooks)
from mmext.engine.frozen_prefix import (FrozenPrefix, fold_batchnorms,
                                        install_frozen_prefix,
                                        uninstall_frozen_prefix)

TOL = dict(rtol=1e-5, atol=1e-5)


def build(frozen_stages: int = 4,
          norm_eval: bool = False,
          seed: int = 0) -> torch.nn.Module:
    """MobileNetV2 1.0 classifier, random BatchNorm statistics and affines
    (so that folding is not the identity)."""
    torch.manual_seed(seed)
    backbone = dict(type='MobileNetV2', frozen_stages=frozen_stages)
    backbone['norm_eval'] = norm_eval
    head = dict(type='LinearClsHead', num_classes=6, in_channels=1280)
    model = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=backbone,
            neck=dict(type='GlobalAveragePooling'),
            head=head))
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.3, 0.3)
    model.train()
    return model


def head_only(model: torch.nn.Module) -> torch.nn.Module:
    """What UnfreezeHook does in its head-only epochs."""
    for p in model.backbone.parameters():
        p.requires_grad = False
    model.backbone.eval()
    return model


def step(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple:
    """Logits and the gradients of the trainable parameters."""
    model.zero_grad(set_to_none=True)
    logits = model(x, mode='tensor')
    torch.nn.functional.cross_entropy(logits, y).backward()
    grads = {
        n: p.grad.clone()
        for n, p in model.named_parameters() if p.requires_grad
    }
    return logits.detach(), grads


def assert_same(ref: torch.nn.Module, fast: torch.nn.Module,
                x: torch.Tensor) -> None:
    y = torch.arange(x.shape[0]) % 6
    out_ref, grads_ref = step(ref, x, y)
    out_fast, grads_fast = step(fast, x, y)
    torch.testing.assert_close(out_fast, out_ref, **TOL)
    assert grads_fast.keys() == grads_ref.keys() and grads_ref
    for name in grads_ref:
        torch.testing.assert_close(
            grads_fast[name], grads_ref[name], **TOL, msg=name)
    # BatchNorm statistics updated alike (the stem's, in train mode)
    for (name, a), b in zip(ref.named_buffers(), fast.buffers()):
        torch.testing.assert_close(b, a, **TOL, msg=name)


def trainable_bn_eval(model: torch.nn.Module) -> torch.nn.Module:
    """Stages 5-7's BatchNorm on running statistics.

    With batch statistics of a few 2x2 maps, the trained part is chaotic in
    float32: a 1e-6 change of the input changes its gradients by percents,
    with or without the prefix graph. This keeps float32 comparisons
    meaningful; :func:`test_recipe_step_equal_in_float64` covers the
    recipe's train-mode BatchNorm.
    """
    for name, module in model.backbone.named_modules():
        if name.startswith(('layer5', 'layer6', 'layer7', 'conv2')) and \
                isinstance(module, torch.nn.BatchNorm2d):
            module.eval()
    return model


CASES = {
    # ft-stage5 stage 2: stem BatchNorm on batch statistics (run eagerly),
    # stages 1-4 folded
    'stage5-stem-bn-train':
    (dict(frozen_stages=4,
          norm_eval=False), trainable_bn_eval, ((0, 1, False), (1, 5, True))),
    'stage5-norm-eval': (dict(frozen_stages=4,
                              norm_eval=True), None, ((0, 5, True), )),
    # head-only epochs: the whole backbone
    'head-only': (dict(frozen_stages=4), head_only, ((0, 9, True), )),
}


@pytest.mark.parametrize('mode', ['freeze', 'eager', 'optimize'])
@pytest.mark.parametrize('case', sorted(CASES))
@pytest.mark.parametrize('channels_last', [True, False])
def test_outputs_and_gradients_equal(case, mode, channels_last):
    kwargs, prepare, layout = CASES[case]
    ref = build(**kwargs)
    if prepare:
        prepare(ref)
    fast = copy.deepcopy(ref)
    state = install_frozen_prefix(fast.backbone, mode)
    x = torch.randn(3, 3, 64, 64)
    if channels_last:
        ref, fast = (
            m.to(memory_format=torch.channels_last) for m in (ref, fast))
        x = x.contiguous(memory_format=torch.channels_last)
    assert_same(ref, fast, x)
    assert FrozenPrefix.plan(fast.backbone) == layout
    graphs = sum(in_eval for *_, in_eval in layout)
    assert state.builds == graphs
    # another batch size (an epoch's last batch) reuses the graph
    assert_same(ref, fast, torch.randn(2, 3, 64, 64))
    assert state.builds == graphs


@pytest.mark.parametrize('mode', ['optimize', 'freeze', 'eager'])
def test_recipe_step_equal_in_float64(mode):
    """The ft-stage5 step as trained (every BatchNorm of stages 5-7 on batch
    statistics), in float64 where it is not chaotic."""
    ref = build(frozen_stages=4, norm_eval=False).double()
    fast = copy.deepcopy(ref)
    state = install_frozen_prefix(fast.backbone, mode)
    assert_same(ref, fast, torch.randn(4, 3, 64, 64, dtype=torch.float64))
    assert state.builds == 1


def test_follows_unfreezing_and_weight_changes():
    """Head-only -> stages 5-7 learn -> new weights loaded: rebuilt each
    time, still equal (float64: stages 5-7 train BatchNorm)."""
    ref = head_only(build(frozen_stages=4)).double()
    fast = copy.deepcopy(ref)
    state = install_frozen_prefix(fast.backbone)
    x = torch.randn(2, 3, 64, 64, dtype=torch.float64)
    assert_same(ref, fast, x)
    assert FrozenPrefix.plan(fast.backbone) == ((0, 9, True), )
    for model in (ref, fast):  # what UnfreezeHook does at unfreeze_epoch
        for p in model.backbone.parameters():
            p.requires_grad = True
        model.backbone._freeze_stages()
        model.train()
    assert_same(ref, fast, x)
    assert FrozenPrefix.plan(fast.backbone) == ((0, 1, False), (1, 5, True))
    builds = state.builds
    assert_same(ref, fast, x)
    assert state.builds == builds  # nothing changed: no rebuild
    other = build(frozen_stages=4, seed=1).double().state_dict()
    ref.load_state_dict(other)
    fast.load_state_dict(other)
    assert_same(ref, fast, x)
    assert state.builds == builds + 1
    # everything learns: no prefix, the backbone's own forward
    for model in (ref, fast):
        model.backbone.frozen_stages = -1
        for p in model.parameters():
            p.requires_grad = True
    assert_same(ref, fast, x)
    assert FrozenPrefix.plan(fast.backbone) == ()


def test_no_grad_forward_uses_the_real_weights():
    """Validation and test (under no_grad) never see the graph, so they
    see weights swapped in through .data (EMAHook)."""
    model = build()
    install_frozen_prefix(model.backbone)
    x = torch.randn(2, 3, 64, 64)
    model(x, mode='tensor')  # builds the graph
    with torch.no_grad():
        model.backbone.layer2[0].conv[0].conv.weight.data.mul_(2.)
    plain = copy.deepcopy(model)
    uninstall_frozen_prefix(plain.backbone)
    with torch.no_grad():
        torch.testing.assert_close(
            model(x, mode='tensor'), plain(x, mode='tensor'))


def test_state_dict_copies_and_pickles_are_unchanged():
    model = build()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    install_frozen_prefix(model.backbone)
    step(model, torch.randn(2, 3, 64, 64), torch.tensor([0, 1]))
    after = model.state_dict()
    assert list(after) == list(before)  # no graph among the weights
    plain = build()
    plain.load_state_dict(after)  # loads into a model without the hook
    frozen = [
        k for k in before
        if k.startswith(('backbone.conv1', 'backbone.layer1'))
    ]
    assert frozen and all(
        torch.equal(after[k], before[k])
        for k in frozen if 'conv1.bn' not in k)  # stem BN adapts
    copied = copy.deepcopy(model)  # what EMAHook does
    assert copied.backbone.forward.backbone is copied.backbone
    assert copied.backbone.forward.builds == 0
    restored = pickle.loads(pickle.dumps(model))
    x = torch.randn(2, 3, 64, 64)
    restored.eval()
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(
            restored(x, mode='tensor'), model(x, mode='tensor'))


def test_fold_batchnorms_is_exact_in_eval():
    model = build().backbone.layer3.eval()
    folded = copy.deepcopy(model)
    assert fold_batchnorms(folded) == 9  # 3 blocks x 3 ConvModules
    assert not any(
        isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    x = torch.randn(2, 24, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(folded(x), model(x), **TOL)


def test_unsupported_backbone_is_refused():
    resnet = MODELS.build(dict(type='ResNet', depth=18))
    with pytest.raises(TypeError, match='not supported'):
        install_frozen_prefix(resnet)

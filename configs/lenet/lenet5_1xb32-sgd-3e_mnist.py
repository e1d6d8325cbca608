# LeNet-5 on MNIST, the course reports' warm-up.
_base_ = ['../_base_/default_runtime.py']

model = dict(
    type='ImageClassifier',
    backbone=dict(type='LeNet5', num_classes=10),  # mmpretrain's LeNet5
    neck=None,
    head=dict(type='ClsHead', loss=dict(type='CrossEntropyLoss')))

# MNIST mean/std in 0-255 units (the reports' Rescale(1/(255*0.3081), ...))
data_preprocessor = dict(mean=[33.46], std=[78.87], num_classes=10)
pipeline = [dict(type='Resize', scale=32), dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        type='MNIST',
        data_prefix='data/mnist',
        test_mode=False,
        pipeline=pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(
        type='MNIST',
        data_prefix='data/mnist',
        test_mode=True,
        pipeline=pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator

# the reports' optimizer: Momentum(lr=0.01, momentum=0.9), no weight decay,
# constant learning rate
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.))
param_scheduler = dict(type='ConstantLR', factor=1.0, by_epoch=True)
train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(interval=1, max_keep_ckpts=5))  # one per epoch
auto_scale_lr = dict(base_batch_size=32)

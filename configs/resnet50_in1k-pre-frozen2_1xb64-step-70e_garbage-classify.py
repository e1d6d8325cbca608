# ResNet-50, stem + 2 stages frozen, SGD step decay, garbage_classify.
_base_ = [
    './_base_/models/resnet50_in1k-pre.py',
    './_base_/datasets/garbage_classify_bs32.py',
    './_base_/schedules/sgd_step_warmup.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone=dict(frozen_stages=2),
    head=dict(num_classes=40, topk=(1, 5)),
)

train_dataloader = dict(batch_size=64)
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='MultiStepLR', by_epoch=True, milestones=[20, 40, 60], gamma=0.1),
]
train_cfg = dict(max_epochs=70)
auto_scale_lr = dict(base_batch_size=64)

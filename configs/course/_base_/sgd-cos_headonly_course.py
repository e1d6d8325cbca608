# The course reports' head-only recipe (report a, final settings): Momentum
# 0.9, weight decay 4e-5, cosine decay from lr_max 0.03 to lr_end 0.01 with no
# warmup, batch 64, the backbone frozen (the reports train the head on
# features extracted once from the frozen backbone; here the frozen backbone
# runs every step, and BatchNorm stays in eval mode, which gives the same
# head gradients).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.03, momentum=0.9, weight_decay=4e-5),
    # never update the backbone (incl. its last 1x1 conv): only the head learns
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0., decay_mult=0.)}),
)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        by_epoch=True,
        eta_min=0.01,
        convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=40, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)

# Head-only ResNet-50 on cached features of garbage_classify.
_base_ = [
    '../_base_/models/resnet50_in1k-pre.py',
    '../_base_/datasets/garbage_classify_bs32.py',
    '../_base_/schedules/sgd_cosine_warmup.py',
    '../_base_/default_runtime.py',
]

cache_dir = 'work_dirs/feature_cache/resnet50_in1k-pre_garbage-classify'

model = dict(
    type='FeatureClassifier',  # frozen backbone + neck, skipped for features
    head=dict(num_classes=40, topk=(1, 5)),
)

_source = dict(
    type='GarbageDataset',
    data_root='data/garbage_classify',
    data_prefix='train_data',
    classes='garbage_classify_rule.json',
    pipeline={{_base_.test_pipeline}})

train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='FeatureCacheDataset',
        cache_file=cache_dir + '/train.pth',
        dataset=dict(_source, ann_file='meta/train.txt')))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='FeatureCacheDataset',
        cache_file=cache_dir + '/val.pth',
        dataset=dict(_source, ann_file='meta/val.txt', test_mode=True)))

optim_wrapper = dict(optimizer=dict(lr=0.05, weight_decay=1e-4))
train_cfg = dict(max_epochs=30)
auto_scale_lr = dict(base_batch_size=64)
custom_hooks = _base_.custom_hooks + [dict(type='FeatureCacheCheckHook')]

# Huawei Cloud 2019 garbage_classify: 40 classes named "<bin>/<item>"
# (garbage_classify_rule.json). The data comes as one folder; make the
# deterministic stratified split with:
#   python tools/prepare_data.py garbage_classify \
#       --src /path/to/garbage_classify
_base_ = 'mmpretrain::_base_/datasets/imagenet_bs32.py'

dataset_type = 'GarbageDataset'
data_root = 'data/garbage_classify'
classes = 'garbage_classify_rule.json'

data_preprocessor = dict(num_classes=40)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='meta/train.txt',
        data_prefix='train_data',
        classes=classes,
        pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='meta/val.txt',
        data_prefix='train_data',
        classes=classes,
        test_mode=True,
        pipeline=test_pipeline),
)
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='BinAccuracy')]

# The leaderboard's test folder has no labels: a flat folder of images.
test_dataloader = dict(
    batch_size=64,
    num_workers=4,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_prefix='test_data',
        layout='unlabeled',
        classes=classes,
        test_mode=True,
        pipeline=test_pipeline),
)
test_evaluator = []  # tools/test.py --out preds.csv adds the CSV writer

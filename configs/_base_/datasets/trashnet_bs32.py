# TrashNet (Thung & Yang 2016): 6 classes, official train/val split lists.
# Lay it out with:
#   python tools/prepare_data.py trashnet --src ../shared/data/trashnet
_base_ = 'mmpretrain::_base_/datasets/imagenet_bs32.py'

dataset_type = 'GarbageDataset'
data_root = 'data/trashnet'
classes = 'meta/classes.txt'
# the 4-bin level reported by BinAccuracy
class_bins = dict(glass='recyclable', paper='recyclable',
                  cardboard='recyclable', plastic='recyclable',
                  metal='recyclable', trash='other')

# BGR (as OpenCV decodes) -> RGB, ImageNet mean/std: the same in training,
# testing and single-image inference, since all use this preprocessor.
data_preprocessor = dict(num_classes=6)

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
        data_prefix='images',
        classes=classes,
        class_bins=class_bins,
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
        data_prefix='images',
        classes=classes,
        class_bins=class_bins,
        test_mode=True,
        pipeline=test_pipeline),
)
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='BinAccuracy')]

test_dataloader = val_dataloader
test_evaluator = val_evaluator

# The MindSpore course's 26-class garbage set (garbage_26x100: about 100
# training images per class, a few per class in val), folder per class.
# Lay it out with:
#   python tools/prepare_data.py garbage_26x100 --src /path/to/garbage_26x100
# which writes data/garbage_26x100/{train,val}/<class name>/ and
# meta/classes.json ({"0": "Plastic Bottle", ...}, the course's label order).
_base_ = '../../_base_/datasets/garbage_dataset_bs32.py'

data_root = 'data/garbage_26x100'
classes = 'meta/classes.json'
# the course codes <bin>_<item>: 00 recyclable, 01 other, 02 hazardous,
# 03 kitchen (BinAccuracy reports the 4-bin level)
class_bins = {
    'Plastic Bottle': 'recyclable',
    'Hats': 'recyclable',
    'Newspaper': 'recyclable',
    'Cans': 'recyclable',
    'Glassware': 'recyclable',
    'Glass Bottle': 'recyclable',
    'Cardboard': 'recyclable',
    'Basketball': 'recyclable',
    'Paper': 'recyclable',
    'Metalware': 'recyclable',
    'Disposable Chopsticks': 'other',
    'Lighter': 'other',
    'Broom': 'other',
    'Old Mirror': 'other',
    'Toothbrush': 'other',
    'Dirty Cloth': 'other',
    'Seashell': 'other',
    'Ceramic Bowl': 'other',
    'Paint bucket': 'hazardous',
    'Battery': 'hazardous',
    'Fluorescent lamp': 'hazardous',
    'Tablet capsules': 'hazardous',
    'Orange Peel': 'kitchen',
    'Vegetable Leaf': 'kitchen',
    'Eggshell': 'kitchen',
    'Banana Peel': 'kitchen'
}

# The data preprocessor converts OpenCV's BGR to RGB for training AND test
# (report a lost 11 points to a BGR/RGB mismatch between the two).
data_preprocessor = dict(num_classes=26)

# the course's training transforms: RandomCropDecodeResize(224,
# scale=(0.08, 1)), RandomHorizontalFlip, RandomColorAdjust(0.4, 0.4, 0.4)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.08, 1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(type='PackInputs'),
]

# one folder per class: train/<class name>/, val/<class name>/
train_dataloader = dict(
    batch_size=64,
    dataset=dict(
        data_root=data_root,
        data_prefix='train',
        layout='folder',
        classes=classes,
        class_bins=class_bins,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        data_prefix='val',
        layout='folder',
        classes=classes,
        class_bins=class_bins))
test_dataloader = val_dataloader

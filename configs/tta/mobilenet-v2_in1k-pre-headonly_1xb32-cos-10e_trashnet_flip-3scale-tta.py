# Test-time augmentation for a submission from the main TrashNet job:
# 3 scales (short edge resized to 224, 256 and 288, then the central 224x224
# crop: the whole image, the usual crop and a closer crop) x 2 flips
# (as is, mirrored) = 6 views per image; AverageClsScoreTTA averages their
# softmax scores. Costs 6 forward passes per image.
#
#   python tools/test.py configs/tta/<this file> \
#       work_dirs/main/epoch_10.pth --tta --out preds_tta.csv
#
# Without --tta this config tests exactly like the main one.
_base_ = '../mobilenet-v2_in1k-pre-headonly_1xb32-cos-10e_trashnet.py'

tta_model = dict(type='AverageClsScoreTTA')

tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        # the views are every combination of one transform from each list
        transforms=[
            [
                dict(type='ResizeEdge', scale=224, edge='short'),
                dict(type='ResizeEdge', scale=256, edge='short'),
                dict(type='ResizeEdge', scale=288, edge='short'),
            ],
            [dict(type='CenterCrop', crop_size=224)],
            [
                dict(type='RandomFlip', prob=0.),
                dict(type='RandomFlip', prob=1., direction='horizontal'),
            ],
            [dict(type='PackInputs')],
        ]),
]

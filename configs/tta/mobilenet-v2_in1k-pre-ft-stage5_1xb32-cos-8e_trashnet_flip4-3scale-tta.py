# Test-time augmentation for the README main job: 3 scales (short edge 219 /
# crop 192, 256 / 224 as the main config tests, 292 / 256) x the 4 flips of
# training (as is, mirrored, upside down, both) = 12 views per image;
# AverageClsScoreTTA averages their softmax scores. 12 forward passes per
# image, 3x plain --tta. By 5-fold it is no better than plain --tta (README.md
# beside this file), so the main job keeps plain --tta.
#
#   python tools/test.py configs/tta/<this file> \
#       work_dirs/<main config name>/epoch_8.pth --tta --out preds_tta.csv
#
# Without --tta this config tests exactly like the main one.
_base_ = '../mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-8e_trashnet.py'

tta_model = dict(type='AverageClsScoreTTA')

tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        # the views are every combination of one transform from each list
        transforms=[
            [
                dict(
                    type='Compose',
                    transforms=[
                        dict(type='ResizeEdge', scale=edge, edge='short'),
                        dict(type='CenterCrop', crop_size=crop),
                    ]) for edge, crop in ((219, 192), (256, 224), (292, 256))
            ],
            [
                dict(type='RandomFlip', prob=0.),
                dict(type='RandomFlip', prob=1., direction='horizontal'),
            ],
            [
                dict(type='RandomFlip', prob=0.),
                dict(type='RandomFlip', prob=1., direction='vertical'),
            ],
            [dict(type='PackInputs')],
        ]),
]

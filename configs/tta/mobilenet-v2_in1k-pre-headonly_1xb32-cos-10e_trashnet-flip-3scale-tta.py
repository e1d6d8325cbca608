# Head-only job tested with 3 scales x 2 flips (6 views).
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

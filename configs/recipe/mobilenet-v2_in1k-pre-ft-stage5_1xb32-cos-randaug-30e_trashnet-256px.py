# The 30-epoch / 256 px recipe + RandAugment (Swin policies).
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-30e_trashnet-256px.py'

bgr_mean = [103.53, 116.28, 123.675]  # LoadImageFromFile gives BGR
train_pipeline = _base_.train_pipeline[:-1] + [
    dict(
        type='RandAugment',
        policies='timm_increasing',
        num_policies=2,
        total_level=10,
        magnitude_level=9,
        magnitude_std=0.5,
        hparams=dict(pad_val=[round(x) for x in bgr_mean])),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

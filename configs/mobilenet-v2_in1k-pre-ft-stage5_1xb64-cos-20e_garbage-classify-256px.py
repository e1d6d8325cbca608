# The 20-epoch config on 256 px training crops, tested at resize 292 / crop
# 256, as TrashNet's best single model (recipe/mobilenet-v2_in1k-pre-ft-
# stage5_1xb32-cos-20e_trashnet-256px.py, ~94.4 by 5-fold with --tta over
# two seeds). Its weight average with the 224 px config's run (tools/
# average_checkpoints.py, then test with this config and --tta) is the
# TrashNet best (~94.6 over four seed pairs): configs/README.md. No results
# yet.
_base_ = ('./mobilenet-v2_in1k-pre-ft-stage5_1xb64-cos-20e_'
          'garbage-classify-224px.py')

train_pipeline = [
    dict(t, scale=256) if t['type'] == 'RandomResizedCrop' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

test_pipeline = [
    dict(t, scale=292) if t['type'] == 'ResizeEdge' else
    dict(t, crop_size=256) if t['type'] == 'CenterCrop' else t
    for t in _base_.test_pipeline
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

# The 20-epoch / 256 px recipe trained for 30 epochs.
_base_ = './mobilenet-v2_in1k-pre-ft-stage5_1xb32-cos-20e_trashnet-256px.py'

train_cfg = dict(max_epochs=30, val_interval=30)

# The reports' best finding (report a: 80.8% -> 84.6%): repeat the training
# set 4 times per epoch, each copy freshly augmented (RandomResizedCrop,
# flip, colour jitter). Everything else as the base config. Note: one epoch
# here is 4 passes, so this run costs 4x the base one; in the reports the
# gain came from caching 4 augmented views instead of 1 (features were
# extracted once), while here the base config already re-augments every
# epoch, so compare it also against the base run at 4x its epochs.
_base_ = './mobilenet-v2_in1k-pre-headonly_1xb64-cos-40e_trashnet.py'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='RepeatDataset',
        times=4,
        dataset={{_base_.train_dataloader.dataset}}))

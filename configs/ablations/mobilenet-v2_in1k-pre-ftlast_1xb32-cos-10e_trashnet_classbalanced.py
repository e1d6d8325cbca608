# + class-balanced sampling (LVIS-style repeat factors, mmengine's
# ClassBalancedDataset): each image of a class with frequency
# f < oversample_thr is repeated ceil(sqrt(thr / f)) times per epoch. On
# TrashNet's training split (trash 5%, the other classes 16-23%) thr=0.1
# repeats only trash, twice: 1768 -> 1859 images per epoch. (thr=0.2 would
# also double cardboard, metal and plastic, since the factor is rounded up:
# 2779 images.)
_base_ = './mobilenet-v2_in1k-pre-ftlast_1xb32-cos-10e_trashnet.py'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ClassBalancedDataset',
        oversample_thr=0.1,
        dataset={{_base_.train_dataloader.dataset}}))

# Huawei Cloud 2019 garbage_classify: 40 classes named "<bin>/<item>"
# (garbage_classify_rule.json). The data comes as one folder; make the
# deterministic stratified split with:
#   python tools/prepare_data.py garbage_classify \
#       --src /path/to/garbage_classify
_base_ = './garbage_dataset_bs32.py'

data_root = 'data/garbage_classify'
classes = 'garbage_classify_rule.json'

data_preprocessor = dict(num_classes=40)

train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='meta/train.txt',
        data_prefix='train_data',
        classes=classes))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='meta/val.txt',
        data_prefix='train_data',
        classes=classes))

# The leaderboard's test folder has no labels: a flat folder of images.
test_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        data_prefix='test_data',
        layout='unlabeled',
        classes=classes))
test_evaluator = []  # tools/test.py --out preds.csv adds the CSV writer

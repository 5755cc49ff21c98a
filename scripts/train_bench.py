"""The reference side of `citizen-train-bench`: LightGBM and scikit-learn's
HistGradientBoosting with their defaults, on the train/test files the Rust
side wrote (the same rows citizen sees).

Usage: train_bench.py JOBS_JSON
  JOBS_JSON: [{"dataset", "dir", "target", "exclude": [...], "task"}, ...]
Prints one JSON line with the versions, then one per contender and dataset:
  {"dataset", "contender", "metric", "value", "logloss" (classification), "fit_seconds"}

Cells are read as citizen reads them: only empty, NA, N/A, null and NULL
are missing (pandas would also take cars93's real AirBags category "None"
for missing). The first column (the unnamed row index) is dropped; text
columns become pandas categories with the training file's categories (a
category seen only in the test file is missing), so both libraries treat
them natively. Every library runs single-threaded (LightGBM n_jobs=1;
OMP_NUM_THREADS=1 for scikit-learn), as citizen's trainer does.
"""

import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import lightgbm  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sklearn  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor  # noqa: E402

NA = ["", "NA", "N/A", "null", "NULL"]
EPS = 1e-15  # probabilities are clipped to [EPS, 1] before the log, as on the Rust side


def read(path):
    return pd.read_csv(path, keep_default_na=False, na_values=NA)


def as_category(column, dtype):
    text = column.astype(str).where(column.notna())
    return text.where(text.isin(dtype.categories)).astype(dtype)


def prepare(train, test, target, exclude):
    drop = [train.columns[0], target, *exclude]
    xtr, xte = train.drop(columns=drop), test.drop(columns=drop)
    for c in xtr.columns:
        if not pd.api.types.is_numeric_dtype(xtr[c]):
            dtype = pd.CategoricalDtype(sorted(xtr[c].dropna().astype(str).unique()))
            xtr[c], xte[c] = as_category(xtr[c], dtype), as_category(xte[c], dtype)
        elif not pd.api.types.is_numeric_dtype(xte[c]):
            xte[c] = pd.to_numeric(xte[c], errors="coerce")
    return xtr, xte


def contenders(task):
    if task == "regression":
        return [
            ("LightGBM defaults", lambda: lightgbm.LGBMRegressor(n_jobs=1, verbose=-1)),
            (
                "scikit-learn HGB defaults",
                lambda: HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=0),
            ),
        ]
    return [
        ("LightGBM defaults", lambda: lightgbm.LGBMClassifier(n_jobs=1, verbose=-1)),
        (
            "scikit-learn HGB defaults",
            lambda: HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0),
        ),
    ]


def main():
    jobs = json.loads(sys.argv[1])
    print(
        json.dumps({"versions": {"lightgbm": lightgbm.__version__, "scikit-learn": sklearn.__version__, "pandas": pd.__version__}}),
        flush=True,
    )
    for job in jobs:
        train = read(os.path.join(job["dir"], "train.csv"))
        test = read(os.path.join(job["dir"], "test.csv"))
        target = job["target"]
        xtr, xte = prepare(train, test, target, job["exclude"])
        for name, make in contenders(job["task"]):
            model = make()
            if job["task"] == "regression":
                ytr, yte = train[target].astype(float), test[target].astype(float).to_numpy()
                t = time.perf_counter()
                model.fit(xtr, ytr)
                fit = time.perf_counter() - t
                pred = model.predict(xte)
                out = {"metric": "rmse", "value": float(np.sqrt(np.mean((pred - yte) ** 2)))}
            else:
                ytr, yte = train[target].astype(str), test[target].astype(str).to_numpy()
                t = time.perf_counter()
                model.fit(xtr, ytr)
                fit = time.perf_counter() - t
                proba = model.predict_proba(xte)
                classes = list(model.classes_)
                label = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
                p_true = np.array(
                    [proba[i, classes.index(y)] if y in classes else 0.0 for i, y in enumerate(yte)]
                )
                out = {
                    "metric": "accuracy",
                    "value": float(np.mean(label == yte)),
                    "logloss": float(-np.mean(np.log(np.clip(p_true, EPS, 1.0)))),
                }
            line = {"dataset": job["dataset"], "contender": name, **out, "fit_seconds": fit}
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()

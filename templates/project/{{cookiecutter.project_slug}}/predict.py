"""Predict with the trained model: the hand-off script that goes with models/model.pkl.

    python predict.py                      # predict on 5 sample rows of the bundled dataset
    python predict.py tumours.csv          # predict on a CSV holding the 30 raw measurement columns
    python predict.py tumours.csv --model models/model.pkl --output predictions.csv

The feature code below is a copy of the one in notebooks/02-train.ipynb: if one changes and the
other does not, predictions silently drift from what was trained (training-serving skew).
"""

import argparse
import pickle
import sys
from pathlib import Path

{% include "shared/data.py" %}

{% include "shared/features.py" %}

def predict(model, features: pd.DataFrame) -> pd.DataFrame:
    """One row per input row: the predicted class, its label and the probability of `benign`."""
    predicted = model.predict(features)
    return pd.DataFrame({
        "prediction": predicted,
        "label": [TARGET_NAMES[int(value)] for value in predicted],
        "probability_benign": model.predict_proba(features)[:, 1].round(4),
    })


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Predict malignant/benign for tumour measurements with the pickled model.",
        epilog="examples: python predict.py | python predict.py tumours.csv --output predictions.csv",
    )
    parser.add_argument("csv", nargs="?", type=Path,
                        help="CSV with the 30 raw measurement columns, e.g. tumours.csv (default: 5 sample rows)")
    parser.add_argument("--model", type=Path, default=Path("models") / "model.pkl",
                        help="pickled model written by notebooks/02-train.ipynb (default: models/model.pkl)")
    parser.add_argument("--output", type=Path, help="write the predictions to this CSV instead of printing them")
    args = parser.parse_args(argv)

    if not args.model.is_file():
        parser.error(f"no model at {args.model}: run notebooks/02-train.ipynb first")
    if args.csv is not None and not args.csv.is_file():
        parser.error(f"no such CSV file: {args.csv}")
    raw = pd.read_csv(args.csv) if args.csv is not None else load_dataset().head(5)
    try:
        features = build_features(raw)
    except ValueError as error:
        parser.error(str(error))
    with open(args.model, "rb") as handle:
        model = pickle.load(handle)  # only ever load pickles you trust: unpickling runs code
    predictions = predict(model, features)
    if args.output is not None:
        predictions.to_csv(args.output, index=False)
        print(f"wrote {len(predictions)} predictions to {args.output}")
    else:
        predictions.to_csv(sys.stdout, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

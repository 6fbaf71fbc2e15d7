import json
from pathlib import Path

from recommender.fusion import FEATURES, FusionModel
from recommender.nomatch import NoMatchModel


def test_whole_numbers_in_a_model_file_load_as_the_floats_the_fields_declare(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    numbers = {"features": ["dense_cosine"], "mean": [0], "scale": [1], "coef": [2]}
    path.write_text(json.dumps({**numbers, "intercept": 0, "threshold": 1}))
    model = NoMatchModel.load(path)
    assert type(model.intercept) is float and type(model.threshold) is float
    assert all(type(x) is float for x in (*model.mean, *model.scale, *model.coef))
    # Saved again, the file says 1.0 where a float belongs, as a fitted model's file does.
    model.save(path)
    assert json.loads(path.read_text())["threshold"] == 1.0 and '"threshold": 1.0' in path.read_text()


def test_a_fusion_file_keeps_its_names_as_text_and_its_weights_as_floats(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    n = len(FEATURES)
    numbers = {"mean": [0] * n, "scale": [1] * n, "coef": [3] * n}
    path.write_text(json.dumps({"features": list(FEATURES), **numbers, "method": 7}))
    model = FusionModel.load(path)
    assert model.features == FEATURES and model.method == "7"
    assert {type(x) for x in (*model.mean, *model.scale, *model.coef)} == {float}

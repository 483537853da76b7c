import pytest

from {{ cookiecutter.package_name }} import config


@pytest.fixture
def clean_env(monkeypatch):
    for variable in [*config.ENV_VARS.values(), "MLOPS_ENV"]:
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_defaults_keep_all_state_in_the_project(tmp_path, clean_env):
    root = tmp_path.resolve()
    settings = config.load(root)
    assert settings.raw_file == root / "data" / "raw" / "breast_cancer.csv"
    assert settings.tracking_uri == f"sqlite:///{root / 'mlflow.db'}"
    assert settings.artifact_location == (root / "mlartifacts").as_uri()


@pytest.mark.parametrize("uri", ["mlflow-artifacts:/team", "s3://bucket/models", "file:///srv/models"])
def test_artifact_locations_with_a_scheme_are_kept_and_plain_folders_resolved(tmp_path, clean_env, uri):
    clean_env.setenv("MLFLOW_ARTIFACT_LOCATION", uri)
    assert config.load(tmp_path).artifact_location == uri
    clean_env.setenv("MLFLOW_ARTIFACT_LOCATION", "store/models")
    assert config.load(tmp_path).artifact_location == (tmp_path.resolve() / "store" / "models").as_uri()


def test_the_mlops_env_file_is_overlaid_and_environment_variables_win(tmp_path, clean_env):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "staging.yaml").write_text("accuracy_threshold: 0.95\nmodel_name: staged\n")
    clean_env.setenv("MLOPS_ENV", "staging")
    clean_env.setenv("MODEL_NAME", "from-the-environment")
    settings = config.load(tmp_path)
    assert (settings.accuracy_threshold, settings.model_name) == (0.95, "from-the-environment")


def test_unknown_settings_and_bad_values_are_refused_with_their_name(tmp_path, clean_env):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "typo.yaml").write_text("acuracy_threshold: 0.95\n")
    clean_env.setenv("MLOPS_ENV", "typo")
    with pytest.raises(ValueError, match="acuracy_threshold"):
        config.load(tmp_path)
    clean_env.delenv("MLOPS_ENV")
    clean_env.setenv("SEED", "forty-two")
    with pytest.raises(ValueError, match="SEED"):
        config.load(tmp_path)

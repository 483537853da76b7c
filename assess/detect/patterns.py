"""Detection patterns, kept as data: what code, files and commands count as evidence for each practice.

Python patterns are matched against names resolved by `pysource` (imports followed through aliases):
  "mlflow.start_run"   exactly that function;      "mlflow.*"  anything under the module;
  ".set_registered_model_alias"  that method on any receiver (`client.set_...`, `MlflowClient().set_...`).
Import patterns ("mlflow") match the module and its sub-modules. Command patterns are regular expressions over
shell commands found in CI jobs, Makefiles and scripts. `facts` derives its cheap "could this file matter?"
prefilter from the names these patterns need, so a new pattern is picked up there automatically.
"""

from __future__ import annotations

# --- code structure -------------------------------------------------------------------------------------
TRAINING_CALLS = (
    ".fit",
    ".fit_transform",
    ".partial_fit",
    "xgboost.train",
    "lightgbm.train",
    "catboost.*",
    ".train",
    "transformers.Trainer",
    "transformers.Trainer().train",
    ".fit_generator",
    ".backward",
    "keras.Model().fit",
    "lightning.Trainer().fit",
    "pytorch_lightning.Trainer().fit",
    "statsmodels.*",
    ".train_model",
    "prophet.Prophet().fit",
    "sklearn.model_selection.GridSearchCV().fit",
    "optuna.create_study",
    "autogluon.*",
    "flaml.AutoML().fit",
    "pycaret.*",
)
ENTRYPOINT_CALLS = (
    "argparse.ArgumentParser",
    "typer.Typer",
    "typer.run",
    "click.command",
    "click.group",
    "hydra.main",
    "fire.Fire",
    "jsonargparse.CLI",
    "docopt.docopt",
    "absl.app.run",
    "simple_parsing.parse",
)
CONFIG_LOADERS = (
    "yaml.safe_load",
    "yaml.load",
    "omegaconf.OmegaConf.load",
    "omegaconf.OmegaConf.create",
    "hydra.main",
    "hydra.compose",
    "pydantic_settings.BaseSettings",
    "tomllib.load",
    "tomli.load",
    "toml.load",
    "configparser.ConfigParser",
    "dynaconf.Dynaconf",
    "json.load",
    "dvc.api.params_show",
    "ml_collections.*",
    "gin.parse_config_file",
    "kedro.config.*",
    "hydra.utils.instantiate",
    "dotenv.load_dotenv",
    "os.environ.get",
    "os.getenv",
)
CONFIG_DIRS = ("conf", "config", "configs", "configuration", "settings")

# --- versioning ---------------------------------------------------------------------------------------------
DEPENDENCY_KWARGS = ("install_requires",)  # setup(install_requires=[...]) declares dependencies
LOCKFILES = (
    "uv.lock",
    "poetry.lock",
    "Pipfile.lock",
    "pdm.lock",
    "pixi.lock",
    "conda-lock.yml",
    "requirements.lock",
    "requirements-lock.txt",
    "requirements.lock.txt",
    "pylock.toml",
)
MODEL_BINARY_SUFFIXES = (
    ".pkl",
    ".pickle",
    ".joblib",
    ".h5",
    ".hdf5",
    ".keras",
    ".pt",
    ".pth",
    ".ckpt",
    ".onnx",
    ".safetensors",
    ".pb",
    ".tflite",
    ".cbm",
    ".model",
    ".sav",
    ".mlmodel",
)
DATA_SUFFIXES = (
    ".csv",
    ".parquet",
    ".tsv",
    ".npz",
    ".npy",
    ".feather",
    ".arrow",
    ".jsonl",
    ".avro",
    ".orc",
    ".xlsx",
    ".zip",
    ".gz",
    ".h5",
)
LARGE_DATA_BYTES = 10 * 1024 * 1024
DATA_VERSION_CALLS = (
    "mlflow.log_input",
    "mlflow.data.*",
    "lakefs.*",
    "lakefs_client.*",
    "lakefs_sdk.*",
    "wandb.Artifact",
    ".use_artifact",
    "dvc.api.open",
    "dvc.api.read",
    "dvc.api.get_url",
    "deltalake.DeltaTable",
    "datasets.load_dataset",
    "quilt3.*",
    "pachyderm_sdk.*",
    "clearml.Dataset.*",
    ".versionAsOf",
)
SEED_CALLS = (
    "random.seed",
    "numpy.random.seed",
    "numpy.random.default_rng",
    "torch.manual_seed",
    "tensorflow.random.set_seed",
    "tensorflow.keras.utils.set_random_seed",
    "keras.utils.set_random_seed",
    "lightning.seed_everything",
    "pytorch_lightning.seed_everything",
    "transformers.set_seed",
    "lightning.pytorch.seed_everything",
    "torch.cuda.manual_seed_all",
    "jax.random.PRNGKey",
)
SEED_KWARGS = ("random_state", "seed", "random_seed")

# --- pipelines and orchestration ----------------------------------------------------------------------------
PIPELINE_DECORATORS = {
    "Prefect": ("prefect.flow",),
    "Airflow": ("airflow.decorators.dag", "airflow.sdk.dag", "airflow.decorators.*", "airflow.sdk.*"),
    "Kubeflow Pipelines": ("kfp.dsl.pipeline", "kfp.v2.dsl.pipeline", "kfp.components.*"),
    "Dagster": (
        "dagster.asset",
        "dagster.job",
        "dagster.graph",
        "dagster.op",
        "dagster.multi_asset",
        "dagster.graph_asset",
    ),
    "ZenML": ("zenml.pipeline", "zenml.pipelines.pipeline", "zenml.step", "zenml.steps.step"),
    "Flyte": ("flytekit.workflow", "flytekit.task"),
    "Metaflow": ("metaflow.step",),
    "Azure ML pipelines": ("azure.ai.ml.dsl.pipeline",),
    "Ray Workflows": ("ray.workflow.*",),
}
PIPELINE_CALLS = {
    "Airflow": ("airflow.DAG", "airflow.models.DAG", "airflow.models.dag.DAG", "airflow.sdk.DAG"),
    "TFX": (
        "tfx.orchestration.pipeline.Pipeline",
        "tfx.dsl.*",
        "tfx.v1.dsl.Pipeline",
        "tfx.components.*",
        "tfx.v1.components.*",
    ),
    "Azure ML pipelines": ("azureml.pipeline.core.Pipeline", "azureml.pipeline.core.pipeline.Pipeline"),
    "SageMaker Pipelines": (
        "sagemaker.workflow.pipeline.Pipeline",
        "sagemaker.workflow.steps.*",
        "sagemaker.workflow.*",
    ),
    "Vertex AI Pipelines": (
        "google.cloud.aiplatform.PipelineJob",
        "google.cloud.aiplatform.PipelineJob().submit",
        "google.cloud.aiplatform.PipelineJob().run",
    ),
    "Kedro": (
        "kedro.pipeline.Pipeline",
        "kedro.pipeline.pipeline",
        "kedro.pipeline.node",
        "kedro.pipeline.modular_pipeline.pipeline",
    ),
    "Dagster": ("dagster.Definitions", "dagster.define_asset_job"),
    "Mage": ("mage_ai.*",),
    "Luigi": ("luigi.build", "luigi.run"),
}
PIPELINE_BASES = {"Metaflow": ("metaflow.FlowSpec",), "Luigi": ("luigi.Task",)}
MAGE_DECORATORS = ("data_loader", "transformer", "data_exporter", "custom")
STEP_DECORATORS = (
    "prefect.task",
    "airflow.decorators.task",
    "airflow.sdk.task",
    "kfp.dsl.component",
    "kfp.dsl.container_component",
    "kfp.v2.dsl.component",
    "dagster.asset",
    "dagster.op",
    "dagster.multi_asset",
    "zenml.step",
    "zenml.steps.step",
    "flytekit.task",
    "metaflow.step",
    "ray.remote",
    "mage_ai.data_preparation.decorators.*",
)
STEP_CALLS = (
    "azureml.pipeline.steps.*",
    "airflow.operators.*",
    "airflow.providers.*",
    "kedro.pipeline.node",
    "sagemaker.workflow.steps.*",
    "sagemaker.workflow.step_collections.*",
    "sagemaker.workflow.condition_step.ConditionStep",
    "sagemaker.workflow.model_step.ModelStep",
    "tfx.components.*",
    "tfx.v1.components.*",
    "kfp.components.load_component_from_file",
)
STAGE_WORDS = {
    "prepare": r"prep|load|ingest|extract|feature|transform|clean|split|preprocess|fetch|read|collect|etl",
    "validate-data": r"validat|schema|expect|quality|check_data|data_check|examplevalidator|statisticsgen",
    "train": r"train|fit|tune|trainer",
    "evaluate": r"eval|metric|score|test_model|assess|compare|conditionstep|gate",
    "register": r"regist|promot|push|publish|deploy|release|modelstep|pusher|champion",
}

# --- continuous-training triggers -
SCHEDULE_CALLS = (
    "flytekit.CronSchedule",
    "flytekit.FixedRate",
    "azureml.pipeline.core.Schedule.create",
    "azureml.pipeline.core.ScheduleRecurrence",
    ".serve",
    ".to_deployment",
    ".deploy",
    "prefect.serve",
    "prefect.deploy",
    "dagster.ScheduleDefinition",
    "dagster.schedule",
    "dagster.sensor",
    "dagster.asset_sensor",
    "dagster.build_schedule_from_partitioned_job",
    "dagster.AutomationCondition.*",
    ".create_schedule",
    "google.cloud.aiplatform.PipelineJobSchedule",
    ".create_recurring_run",
    "azure.ai.ml.entities.JobSchedule",
    "azure.ai.ml.entities.CronTrigger",
    "azure.ai.ml.entities.RecurrenceTrigger",
    "zenml.config.schedule.Schedule",
    "zenml.config.Schedule",
    "metaflow.schedule",
    "airflow.datasets.Dataset",
    "airflow.sdk.Asset",
    "airflow.sensors.*",
    "apscheduler.*",
    "schedule.every",
    "rocketry.*",
)
SCHEDULE_KWARGS = (
    "cron",
    "interval",
    "rrule",
    "schedule",
    "schedule_interval",
    "schedules",
    "cron_expression",
    "timetable",
)
DATA_TRIGGER_PATHS = (r"(^|/)data(/|\*|$)", r"\.dvc$", r"dvc\.lock", r"dvc\.yaml")

# --- tracking, metadata, registry -
TRACKING_CALLS = {
    "MLflow": (
        "mlflow.start_run",
        "mlflow.log_metric",
        "mlflow.log_metrics",
        "mlflow.log_param",
        "mlflow.log_params",
        "mlflow.autolog",
        "mlflow.*.autolog",
        "mlflow.log_artifact",
        "mlflow.set_experiment",
        "mlflow.MlflowClient().log_metric",
        "mlflow.MlflowClient().log_param",
        "mlflow.tracking.MlflowClient().log_metric",
    ),
    "Kubeflow/Vertex metrics": (
        "metrics.log_metric",
        "metrics.log_confusion_matrix",
        "metrics.log_roc_curve",
    ),
    "Weights & Biases": ("wandb.init", "wandb.log", "wandb.Run().log"),
    "Neptune": ("neptune.init_run", "neptune.init", "neptune.new.init_run"),
    "Comet": ("comet_ml.Experiment", "comet_ml.start", "comet_ml.OfflineExperiment"),
    "ClearML": ("clearml.Task.init",),
    "Aim": ("aim.Run",),
    "DVCLive": ("dvclive.Live", "dvclive.lightning.*", "dvclive.keras.*", "dvclive.huggingface.*"),
    "Vertex AI Experiments": ("google.cloud.aiplatform.start_run", "google.cloud.aiplatform.log_metrics"),
    "SageMaker Experiments": ("sagemaker.experiments.Run", "sagemaker.experiments.run.Run"),
    "Azure ML runs": ("azureml.core.Run.get_context().log", "azureml.core.run.Run.get_context().log"),
    "Sacred": ("sacred.Experiment",),
    "Guild": ("guild.*",),
}
WEAK_TRACKING_CALLS = (
    "torch.utils.tensorboard.SummaryWriter",
    "tensorboardX.SummaryWriter",
    "tensorflow.summary.*",
    "keras.callbacks.TensorBoard",
    "tensorflow.keras.callbacks.TensorBoard",
    "keras.callbacks.CSVLogger",
)
LINEAGE_CALLS = (
    "mlflow.log_input",
    "mlflow.data.*",
    ".use_artifact",
    ".log_artifact",
    "wandb.Artifact",
    "mlflow.set_tag",
    "mlflow.set_tags",
    "mlflow.log_param",
    "mlflow.log_params",
)
LINEAGE_WORDS = (
    r"data[_ .-]?(version|hash|md5|sha|rev)|dataset[_ .-]?(version|hash)|md5|git[_ .-]?(sha|commit)|dvc"
)
REGISTRY_CALLS = {
    "MLflow Model Registry": (
        "mlflow.register_model",
        ".create_registered_model",
        ".create_model_version",
        "mlflow.set_registry_uri",
    ),
    "W&B Registry": (".link_model", ".link_artifact"),
    "Vertex AI Model Registry": ("google.cloud.aiplatform.Model.upload",),
    "SageMaker Model Registry": (
        "sagemaker.workflow.step_collections.RegisterModel",
        "sagemaker.workflow.model_step.ModelStep",
        ".create_model_package",
        ".create_model_package_group",
        "sagemaker.model.Model().register",
    ),
    "Azure ML registry": (
        "azure.ai.ml.MLClient().models.create_or_update",
        ".models.create_or_update",
        "azureml.core.Model.register",
        "azureml.core.model.Model.register",
    ),
    "ZenML Model Control Plane": ("zenml.Model", "zenml.model.model.Model"),
    "Neptune model registry": ("neptune.init_model_version",),
    "Comet registry": (".register_model",),
}
REGISTRY_KWARGS = ("registered_model_name", "model_package_group_name", "parent_model")
WEAK_REGISTRY_CALLS = (
    ".push_to_hub",
    "bentoml.*.save_model",
    "huggingface_hub.upload_file",
    "tfx.components.Pusher",
    "tfx.v1.components.Pusher",
)
PROMOTION_CALLS = (
    ".set_registered_model_alias",
    ".transition_model_version_stage",
    ".update_model_version",
    ".add_version_aliases",
    ".set_stage",
    ".update_model_package",
    ".delete_registered_model_alias",
)
CHAMPION_READ_CALLS = (
    ".get_model_version_by_alias",
    ".get_latest_versions",
    ".search_model_versions",
    "mlflow.pyfunc.load_model",
    "mlflow.sklearn.load_model",
    # the production model through a platform: TFX's blessed-model resolver, SageMaker approved packages,
    # Vertex default model versions, Azure ML latest model
    "tfx*LatestBlessedModelStrategy",
    "tfx*LatestBlessedModelResolver",
    ".list_model_packages",
    ".describe_model_package",
    "google.cloud.aiplatform.Model.list",
    "google.cloud.aiplatform.models.ModelRegistry",
    ".models.get",
)
NUMERIC_MODULES = frozenset(
    {
        "numpy",
        "scipy",
        "pandas",
        "polars",
        "statistics",
        "math",
        "sklearn",
        "torch",
        "tensorflow",
        "pyspark",
        "evidently",
        "alibi_detect",
        "nannyml",
        "whylogs",
        "frouros",
        "river",
    }
)
ALIAS_WORDS = r"champion|production|models:/\S+@\w+|challenger|incumbent|baseline_model|current_model"

# --- validation -
DATA_VALIDATION = {
    "pandera": ("pandera.*",),
    "Great Expectations": ("great_expectations.*",),
    "TFDV": (
        "tensorflow_data_validation.*",
        "tfx.components.ExampleValidator",
        "tfx.components.SchemaGen",
        "tfx.v1.components.ExampleValidator",
    ),
    "Deepchecks": (
        "deepchecks.tabular.suites.data_integrity",
        "deepchecks.tabular.suites.train_test_validation",
        "deepchecks.*",
    ),
    "Evidently": (
        "evidently.test_suite.TestSuite",
        "evidently.tests.*",
        "evidently.metric_preset.DataQualityPreset",
        "evidently.presets.DataSummaryPreset",
        "evidently.tests.*",
    ),
    "Soda": ("soda.scan.Scan", "soda.*"),
    "whylogs": ("whylogs.core.constraints.*",),
    "pydantic": ("pydantic.BaseModel",),
}
MODEL_GATE_CALLS = (
    "mlflow.validate_evaluation_results",
    "mlflow.models.MetricThreshold",
    "mlflow.models.validate_evaluation_results",
    "tensorflow_model_analysis.GenericValueThreshold",
    "tensorflow_model_analysis.GenericChangeThreshold",
    "sagemaker.workflow.condition_step.ConditionStep",
    "sagemaker.workflow.conditions.*",
    "kfp.dsl.If",
    "kfp.dsl.Condition",
    "kfp.dsl.Elif",
    "deepchecks.tabular.suites.model_evaluation",
    "giskard.scan",
    "tfx.components.Evaluator",
    "tfx.v1.components.Evaluator",
)
CHANGE_GATE = (
    "mlflow.models.MetricThreshold",
    "tensorflow_model_analysis.GenericChangeThreshold",
    "tfx*Evaluator",
)
CHANGE_GATE_KWARGS = (
    "min_absolute_change",
    "min_relative_change",
    "baseline_model",
    "baseline_result",
)
METRIC_WORDS = (
    r"metric|score|acc|f1|auc|roc|rmse|mse|mae|loss|precision|recall|r2|threshold|accuracy|logloss|map|ndcg"
)
METRIC_CALLS = (
    "sklearn.metrics.*",
    "mlflow.evaluate",
    "mlflow.models.evaluate",
    "torchmetrics.*",
    "evaluate.load",
    ".score",
    ".evaluate",
)
SLICE_CALLS = (
    "fairlearn.metrics.MetricFrame",
    "tensorflow_model_analysis.SlicingSpec",
    "giskard.scan",
    "deepchecks.tabular.checks.SegmentPerformance",
    "deepchecks.tabular.checks.WeakSegmentsPerformance",
    ".groupby",
)

# --- tests -
NAN_CALLS = (
    "numpy.isnan",
    "numpy.isfinite",
    "math.isfinite",
    "math.isnan",
    "torch.isnan",
    "torch.isfinite",
    "tensorflow.math.is_nan",
    ".isna",
    ".isnull",
    ".hasnans",
    "numpy.all",
    "numpy.testing.*",
    "pandas.testing.*",
)
INTEGRATION_CALLS = (
    "prefect.testing.utilities.prefect_test_harness",
    "kedro.runner.SequentialRunner",
    "kfp.local.init",
    "dagster.materialize",
    "dagster.materialize_to_memory",
    "metaflow.Runner",
    "zenml.client.Client",
    "airflow.models.DagBag",
    ".test",
    "subprocess.run",
    "subprocess.check_call",
    "nbclient.NotebookClient",
    "papermill.execute_notebook",
)
ARTIFACT_WORDS = r"\.exists\b|is_file|isfile|model\.(pkl|joblib|onnx)|artifact"
CONVERGENCE_WORDS = r"loss|converg|overfit|decreas|improv"
SERVING_TEST_CALLS = (
    "fastapi.testclient.TestClient",
    "starlette.testclient.TestClient",
    "mlflow.models.validate_serving_input",
    "bentoml.testing.*",
    "httpx.AsyncClient",
    "flask.Flask().test_client",
    ".test_client",
    "locust.HttpUser",
    "litestar.testing.TestClient",
)
SIGNATURE_CALLS = ("mlflow.models.infer_signature", "mlflow.models.signature.infer_signature")

# --- CI/CD -
CI_FILES = {
    "GitHub Actions": (r"^\.github/workflows/[^/]+\.ya?ml$",),
    "GitLab CI": (r"^\.gitlab-ci\.ya?ml$", r"^\.gitlab/ci/.+\.ya?ml$"),
    "Azure Pipelines": (
        r"(^|/)azure-pipelines[^/]*\.ya?ml$",
        r"^\.?azure-pipelines/.+\.ya?ml$",
        r"^\.azuredevops/.+\.ya?ml$",
        r"^\.pipelines/.+\.ya?ml$",
        r"(^|/)azdo-[^/]+\.ya?ml$",
        r"(^|/)\.azure/.+\.ya?ml$",
        r"(^|/)(azure|devops|ado)[-_]?pipelines?/.+\.ya?ml$",
    ),
    "Jenkins": (r"(^|/)Jenkinsfile$",),
    "CircleCI": (r"^\.circleci/[^/]+\.ya?ml$",),
    "Bitbucket Pipelines": (r"(^|/)bitbucket-pipelines\.ya?ml$",),
    "Cloud Build": (r"(^|/)cloudbuild[^/]*\.ya?ml$",),
    "Travis CI": (r"^\.travis\.ya?ml$",),
    "Buildkite": (r"^\.buildkite/.+\.ya?ml$",),
    "Drone": (r"^\.drone\.ya?ml$",),
    "AWS CodeBuild": (r"(^|/)buildspec[^/]*\.ya?ml$",),
    "Tekton": (r"^\.tekton/.+\.ya?ml$",),
}
TEST_COMMANDS = (
    r"\b(pytest|py\.test|tox|nox|unittest|hatch (run )?test|make (unit-?)?tests?|tests?\.sh|coverage run)\b"
)
LINT_COMMANDS = (
    r"\b(ruff|flake8|pylint|black|isort|mypy|pyright|pre-commit|yamllint|hadolint|actionlint|bandit)\b"
)
BUILD_COMMANDS = (
    r"\b(docker (build|buildx|push)|buildah|kaniko|podman build|python -m build|uv build|poetry build|"
    r"pip wheel|docker/build-push-action|gcloud builds submit|bentoml (build|containerize)|"
    r"kfp dsl compile|dsl-compile|compiler\.Compiler)\b"
)
TRAIN_COMMANDS = (
    r"\b(dvc (repro|exp run)|kedro run|mlflow run|zenml pipeline run|prefect deployment run|"
    r"python3? (-m )?\S*(train|pipeline|flow|retrain|dag|workflow)\S*|make (train|pipeline|retrain)|"
    r"metaflow|flyte.*run|dagster (job|asset) (launch|materialize)|az ml job create|"
    r"sagemaker.*start_pipeline_execution|databricks (bundle run|jobs run-now)|anyscale jobs? submit|"
    r"sky (jobs )?launch|modal run)"
)
ML_CHECK_COMMANDS = (
    r"\b(dvc (repro|exp run|metrics diff|plots diff)|cml |great_expectations|gx |checkpoint|"
    r"pandera|deepchecks|evidently|pytest\S* \S*(data|validation|schema|expectation)\S*|"
    r"pytest.* -m \S*(data|ml|model)|tests/(data|ml|model)\S*|validate|iterative/setup-cml)"
)
PIPELINE_DEPLOY_COMMANDS = (
    r"\b(prefect (deploy|deployment (apply|build))|databricks bundle deploy|"
    r"az ml (job|schedule) create|zenml pipeline (deploy|schedule)|astro deploy|"
    r"dagster-cloud (deploy|ci)|argo (submit|cron create)|kubectl apply \S*(workflow|pipeline|dag)\S*|"
    r"gsutil (-m )?rsync \S*dags|aws s3 sync \S*dags|kfp (run|pipeline) (create|submit|upload)|"
    r"mlflow run|kedro (package|deploy)|airflow dags (reserialize|trigger)|dbx deploy|"
    r"aws cloudformation (deploy|create-stack|update-stack)|cdk deploy)"
)
IAC_APPLY_COMMANDS = r"\b(terraform|tofu|terragrunt) apply\b|\bpulumi up\b"
TF_ML_RESOURCES = (
    r"databricks_(job|mlflow_\w+|model_serving|pipeline)|aws_sagemaker_\w+|google_vertex_ai_\w+|"
    r"azurerm_machine_learning_\w+"
)
# CI steps that build, compile or check the ML pipeline (Level 2 CI "build and check the components")
PIPELINE_BUILD_COMMANDS = (
    r"\b(kfp dsl compile|dsl-compile|databricks bundle (validate|deploy|run)|cdk synth|"
    r"dbx (deploy|launch|execute)|zenml (pipeline|stack) |gcloud builds submit|sam build)"
)
# calls that submit or validate a pipeline run (counted only in modules that define or import a pipeline)
PIPELINE_SUBMIT_CALLS = (
    ".submit",
    ".validate",
    ".create_run_from_pipeline_func",
    ".create_run_from_pipeline_package",
    ".start_pipeline_execution",
)
PIPELINE_DEPLOY_CALLS = (
    "azureml.pipeline.core.Pipeline().publish",
    "azureml.pipeline.core.PipelineEndpoint.publish",
    ".deploy",
    "prefect.deploy",
    ".to_deployment",
    "google.cloud.aiplatform.PipelineJob().submit",
    "google.cloud.aiplatform.PipelineJob().create_schedule",
    ".upsert",
    "kfp.Client().create_run_from_pipeline_package",
    "kfp.Client().upload_pipeline",
    "kfp.Client().create_recurring_run",
    "kfp.compiler.Compiler().compile",
    "kfp*Compiler().compile",
    ".start_pipeline_execution",
    "azure.ai.ml.MLClient().jobs.create_or_update",
    ".jobs.create_or_update",
    ".schedules.begin_create_or_update",
    "zenml.*",
    "prefect.deployments.Deployment.build_from_flow",
)
MODEL_DEPLOY_COMMANDS = (
    r"\b(gcloud (run|ai endpoints|ai models) deploy|helm (upgrade|install)|kubectl (apply|set image|rollout)|"
    r"mlflow deployments create|mlflow models build-docker|bentoml deploy|modal deploy|"
    r"az ml online-deployment|sam deploy|serverless deploy|fly deploy|heroku|docker push|"
    r"docker/build-push-action|kubectl apply|anyscale services? (rollout|deploy)|"
    r"task \S*(ModelDeploy|AzureWebApp|AzureFunctionApp|KubernetesManifest|HelmDeploy)\S*|"
    r"appleboy/ssh-action|ssh .*docker (run|compose up)|docker[- ]compose up -d|"
    r"az ml (online-endpoint|batch-endpoint|online-deployment|batch-deployment) (create|update)|"
    r"gcloud functions deploy|eb deploy|az webapp (up|deploy))\b"
)
MODEL_DEPLOY_CALLS = (
    "tfx.components.Pusher",
    "tfx.v1.components.Pusher",
    "azureml.core.Model.deploy",
    "azureml.core.model.Model.deploy",
    "google.cloud.aiplatform.Model().deploy",
    "google.cloud.aiplatform.Endpoint().deploy",
    ".deploy_model",
    ".create_endpoint",
    ".update_endpoint",
    ".create_endpoint_config",
    "azure.ai.ml.entities.ManagedOnlineDeployment",
    ".online_deployments.begin_create_or_update",
    "mlflow.deployments.get_deploy_client",
    ".create_deployment",
    ".update_deployment",
    "databricks.sdk.WorkspaceClient().serving_endpoints.*",
    ".serving_endpoints.create",
    "bentoml.deployment.*",
    "sagemaker.model.Model().deploy",
    "sagemaker.estimator.Estimator().deploy",
    "google_cloud_pipeline_components*ModelDeployOp",
    "google_cloud_pipeline_components*EndpointCreateOp",
)
# --- serving and monitoring -
SERVING = {
    "FastAPI": ("fastapi.FastAPI",),
    "Flask": ("flask.Flask",),
    "BentoML": ("bentoml.service", "bentoml.Service", "bentoml.api"),
    "Ray Serve": ("ray.serve.deployment", "ray.serve.run"),
    "KServe": ("kserve.Model", "kserve.ModelServer"),
    "Seldon": ("seldon_core.*",),
    "TorchServe": ("ts.torch_handler.base_handler.BaseHandler",),
    "Litestar": ("litestar.Litestar",),
    "Gradio": ("gradio.Interface", "gradio.Blocks"),
    "Streamlit": ("streamlit.*",),
    "MLServer": ("mlserver.MLModel",),
    "LitServe": ("litserve.LitServer",),
}
SERVING_FILES = {
    "BentoML": (r"(^|/)bentofile\.ya?ml$",),
    "Triton": (r"(^|/)config\.pbtxt$",),
    "TorchServe": (r"\.mar$",),
}
SERVING_KINDS = {"KServe": "InferenceService", "Seldon": "SeldonDeployment"}
BATCH_SERVING_CALLS = (
    "mlflow.pyfunc.spark_udf",
    "google.cloud.aiplatform.BatchPredictionJob.create",
    ".batch_predict",
    "sagemaker.transformer.Transformer",
    ".transformer",
)
PREDICT_CALLS = (".predict", ".predict_proba", ".transform", "mlflow.pyfunc.load_model", ".generate")
PREDICTION_LOG_CALLS = (
    "sagemaker.model_monitor.DataCaptureConfig",
    "logging.getLogger().info",
    ".to_sql",
    ".to_parquet",
    ".to_csv",
    ".insert_rows_json",
    ".write",
    "logger.info",
    ".log_table",
    "whylogs.log",
    ".info",
)
DRIFT_CALLS = {
    "Evidently": ("evidently.*",),
    "whylogs": ("whylogs.*",),
    "NannyML": ("nannyml.*",),
    "alibi-detect": ("alibi_detect.*",),
    "SageMaker Model Monitor": ("sagemaker.model_monitor.*",),
    "Vertex AI Model Monitoring": (
        "google.cloud.aiplatform.ModelDeploymentMonitoringJob.*",
        "google.cloud.aiplatform.model_monitoring.*",
    ),
    "Azure ML monitoring": ("azure.ai.ml.entities.MonitorSchedule", "azure.ai.ml.entities.MonitorDefinition"),
    "Databricks Lakehouse Monitoring": (
        "databricks.sdk.service.catalog.MonitorInferenceLog",
        ".quality_monitors.*",
    ),
    "SciPy KS/PSI": (
        "scipy.stats.ks_2samp",
        "scipy.stats.wasserstein_distance",
        "scipy.spatial.distance.jensenshannon",
        "scipy.stats.chisquare",
        "scipy.stats.kstest",
    ),
}
DRIFT_FUNCTION_WORDS = r"(^|_)(psi|drift|population_stability|ks_test|kolmogorov|jensen|wasserstein)(_|$)"
RETRAIN_TRIGGER_CALLS = (
    "prefect.deployments.run_deployment",
    ".create_dispatch",
    "requests.post",
    "httpx.post",
    ".submit",
    ".start_pipeline_execution",
    ".trigger_dag",
    "subprocess.run",
    ".run_now",
    ".create_run",
    ".create_run_from_pipeline_package",
)
OPS_METRICS = (
    "prometheus_client.*",
    "prometheus_fastapi_instrumentator.*",
    "opentelemetry.*",
    "statsd.*",
    "datadog.*",
    "starlette_exporter.*",
    "aioprometheus.*",
)
FEATURE_STORE = {
    "Feast": ("feast.FeatureStore", "feast.*"),
    "Tecton": ("tecton.*",),
    "Hopsworks": ("hopsworks.*", "hsfs.*"),
    "Databricks Feature Store": ("databricks.feature_engineering.*", "databricks.feature_store.*"),
    "Vertex AI Feature Store": (
        "google.cloud.aiplatform.FeatureOnlineStore",
        "google.cloud.aiplatform.Featurestore",
        "vertexai.resources.preview.feature_store.*",
    ),
    "SageMaker Feature Store": ("sagemaker.feature_store.*",),
    "Featureform": ("featureform.*",),
}
IAC_FILES = (
    r"\.tf$",
    r"(^|/)Pulumi\.ya?ml$",
    r"(^|/)cdk\.json$",
    r"\.bicep$",
    r"(^|/)Chart\.yaml$",
    r"(^|/)kustomization\.ya?ml$",
    r"(^|/)databricks\.ya?ml$",
    r"(^|/)serverless\.ya?ml$",
    r"(^|/)(k8s|kubernetes|manifests|helm|charts|deploy|infra|terraform)/.+\.(ya?ml|tf|json)$",
    r"(^|/)skaffold\.ya?ml$",
    r"(^|/)template\.ya?ml$",
    r"(^|/)docker-compose\.ya?ml$",
    r"(^|/)compose\.ya?ml$",
)
DEPENDENCY_BOT_FILES = (
    r"^\.github/dependabot\.ya?ml$",
    r"^(\.github/|\.gitlab/)?renovate\.json5?$",
    r"^\.renovaterc(\.json5?)?$",
)
MODEL_CARD_FILES = (
    r"(^|/)model[_-]?card[^/]*\.(md|ya?ml|json|html)$",
    r"(^|/)model_cards?/",
    r"(^|/)MODEL_CARD",
    r"(^|/)docs/.*(model|data|feature)[^/]*\.md$",
    r"(^|/)datasheet[^/]*\.md$",
)
GATE_EXTRA_WORDS = ("threshold", "champion", "challenger", "baseline", "metric", "min_score")

# --- the detected stack (libraries shown in the headline when code imports them) ----------------------------
STACK_MODULES = {
    "scikit-learn": "sklearn",
    "XGBoost": "xgboost",
    "LightGBM": "lightgbm",
    "PyTorch": "torch",
    "TensorFlow": "tensorflow",
    "Hugging Face Transformers": "transformers",
    "pandas": "pandas",
    "MLflow": "mlflow",
    "Weights & Biases": "wandb",
    "pandera": "pandera",
    "Great Expectations": "great_expectations",
    "Evidently": "evidently",
    "Feast": "feast",
    "FastAPI": "fastapi",
    "BentoML": "bentoml",
    "Hydra": "hydra",
    "Optuna": "optuna",
    "Spark": "pyspark",
    "Polars": "polars",
    "Deepchecks": "deepchecks",
    "NannyML": "nannyml",
    "whylogs": "whylogs",
    "Neptune": "neptune",
    "Comet": "comet_ml",
    "ClearML": "clearml",
    "DVCLive": "dvclive",
    "Aim": "aim",
    "Vertex AI": "google.cloud.aiplatform",
    "SageMaker": "sagemaker",
    "Azure ML": "azure.ai.ml",
}

# Tables above that describe files, not code: `facts` leaves them out of its prefilter words.
FILE_TABLES = frozenset(
    {
        "LOCKFILES",
        "MODEL_BINARY_SUFFIXES",
        "DATA_SUFFIXES",
        "CONFIG_DIRS",
        "CI_FILES",
        "SERVING_FILES",
        "SERVING_KINDS",
        "IAC_FILES",
        "DEPENDENCY_BOT_FILES",
        "MODEL_CARD_FILES",
        "DATA_TRIGGER_PATHS",
        "FILE_TABLES",
    }
)

# --- CI/CD and schedules declared as AWS CDK infrastructure -
CDK_PIPELINE = ("aws_cdk.aws_codepipeline.Pipeline", "aws_cdk.pipelines.CodePipeline")
CDK_BUILD = ("aws_cdk.aws_codebuild.PipelineProject", "aws_cdk.aws_codebuild.Project", "aws_cdk.pipelines.*")
CDK_DEPLOY = (
    "aws_cdk.aws_codepipeline_actions.CloudFormationCreateUpdateStackAction",
    "aws_cdk.aws_codepipeline_actions.CloudFormationCreateReplaceChangeSetAction",
    "aws_cdk.aws_codepipeline_actions.CloudFormationExecuteChangeSetAction",
    "aws_cdk.aws_codepipeline_actions.EcsDeployAction",
    "aws_cdk.aws_codepipeline_actions.CodeDeployServerDeployAction",
    "aws_cdk.pipelines.CodePipeline",
)
CDK_SCHEDULES = ("aws_cdk.aws_events.Schedule.*", "aws_cdk.aws_scheduler.*")

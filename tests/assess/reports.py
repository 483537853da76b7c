from mlops_level.assess.model import CheckResult, CheckSpec, Evidence, Rating, Report, Status, Weight


def small_report() -> Report:
    def spec(check_id, family, level, weight, title):
        return CheckSpec(
            id=check_id,
            title=title,
            family=family,
            level=level,
            weight=weight,
            remediation=f"Fix {check_id}.",
            url=f"https://example.com/{check_id}",
            description="d",
            name=title.lower().replace(" ", "-"),
        )

    checks = [
        CheckResult(
            spec("ML001", "Code structure", "F", Weight.NORMAL, "Version control"),
            Status.PASS,
            [Evidence(".", None, "3 commit(s)")],
            "git repository, 3 commit(s)",
        ),
        CheckResult(
            spec("ML201", "Pipeline & continuous training", "1", Weight.REQUIRED, "Pipeline as code"),
            Status.PARTIAL,
            [
                Evidence("src/train.py", 4, "model.fit(X, y)"),
                Evidence("Makefile"),
                Evidence("a.py", 1),
                Evidence("b.py", 2),
            ],
            "a training script",
        ),
        CheckResult(
            spec("ML203", "Pipeline & continuous training", "1", Weight.REQUIRED, "CT trigger"),
            Status.IGNORED,
            [],
            "no schedule",
            ignore_reason="scheduled in the console",
        ),
        CheckResult(spec("ML501", "CI/CD", "2", Weight.REQUIRED, "CI configured"), Status.FAIL, [], "no CI"),
        CheckResult(
            spec("ML205", "Pipeline & continuous training", "1", Weight.LOW, "Feature store"),
            Status.NOT_APPLICABLE,
            [],
            "no online serving",
        ),
    ]
    rating = Rating(level=0, next_level=1, progress=60, blocking=["ML201"], tier_scores={"1": 0.6, "2": 0.0})
    return Report(
        root="/repo",
        schema_version="1.1",
        tool_version="9.9.9",
        stack=["MLflow", "Prefect"],
        checks=checks,
        rating=rating,
        warnings=["skipped big.py: over the 1 MB limit"],
        repo={"commit": "0123456789abcdef"},
    )

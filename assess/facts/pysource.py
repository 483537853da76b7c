"""What a Python source says, read with `ast` (never imported or executed).

`parse_python` turns source bytes into `PyFacts`: imports, calls (names resolved through the file's imports,
so `import mlflow as mf; mf.log_metric()` reads `mlflow.log_metric`), decorators, class bases, keyword
arguments, short string constants and comparison gates (`if metric < threshold: raise`). Notebook code cells
go through `notebook_source` first, which drops IPython magics and shell escapes.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from dataclasses import dataclass, field

MAX_STRING = 200


@dataclass(frozen=True)
class Call:
    name: str  # resolved dotted name; an unknown receiver keeps its spelling ("client.log_metric")
    line: int
    kwargs: frozenset[str] = frozenset()
    strings: tuple[str, ...] = ()  # string constants among the arguments, keyword values included


@dataclass(frozen=True)
class Decorated:
    decorator: str  # resolved dotted name of the decorator (`prefect.task`)
    function: str  # name of the decorated function or class
    line: int
    strings: tuple[str, ...] = ()  # string arguments of the decorator call (`@task(name="train")`)
    kwargs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Gate:
    """A decision: `if <comparison>: raise/exit/return/promote`, or any `assert <test>`."""

    line: int
    words: frozenset[str]  # lower-case identifiers, attributes and string keys in the test
    blocks: bool  # a branch raises, exits or returns
    calls: tuple[str, ...]  # calls made in the branches (e.g. a promotion)
    assigns: tuple[str, ...] = ()  # names assigned in the branches (`promote = False`)


@dataclass
class PyFacts:
    imports: list[tuple[str, int]] = field(default_factory=list)  # absolute module names
    relative_imports: list[tuple[str, int]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    decorated: list[Decorated] = field(default_factory=list)
    bases: list[tuple[str, str, int]] = field(default_factory=list)  # (resolved base, class name, line)
    functions: list[tuple[str, int]] = field(default_factory=list)
    strings: list[tuple[str, int]] = field(default_factory=list)
    gates: list[Gate] = field(default_factory=list)
    has_main_guard: bool = False
    lines: list[str] = field(default_factory=list)

    def snippet(self, line: int | None) -> str:
        if line is None or not 0 < line <= len(self.lines):
            return ""
        return self.lines[line - 1].strip()[:120]


PATTERN_MODULES = frozenset({"re", "regex", "fnmatch", "glob", "pathspec"})


class _Collector(ast.NodeVisitor):
    def __init__(self, facts: PyFacts) -> None:
        self.facts = facts
        self.aliases: dict[str, str] = {}
        self.in_table = 0  # inside a constant table (`PATTERNS = (...)`): its strings are data, not uses

    # names -------------------------------------------------------------------------------------------
    def dotted(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base else f"?.{node.attr}"
        if isinstance(node, ast.Call):
            base = self.dotted(node.func)
            return f"{base}()" if base else None
        if isinstance(node, ast.Subscript):
            base = self.dotted(node.value)
            return f"{base}[]" if base else None
        return None

    # imports -----------------------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.facts.imports.append((alias.name, node.lineno))
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases.setdefault(top, top)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            self.facts.relative_imports.append(("." * node.level + module, node.lineno))
            for alias in node.names:
                self.aliases[alias.asname or alias.name] = "." * node.level + (
                    f"{module}.{alias.name}" if module else alias.name
                )
            return
        self.facts.imports.append((module, node.lineno))
        for alias in node.names:
            if alias.name != "*":
                self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
                self.facts.imports.append((f"{module}.{alias.name}", node.lineno))

    # assignments remember what a variable was built from: client = MlflowClient() -> mlflow...MlflowClient()
    def visit_Assign(self, node: ast.Assign) -> None:
        if (
            len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
        ):
            name = self.dotted(node.value)
            if name and not name.startswith("?"):
                self.aliases[node.targets[0].id] = name
        table = all(isinstance(t, ast.Name) and t.id.lstrip("_").isupper() for t in node.targets)
        self.in_table += table
        self.generic_visit(node)
        self.in_table -= table

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return  # a docstring or a bare string statement documents, it does not use anything
        self.generic_visit(node)

    # calls and definitions ---------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        name = self.dotted(node.func)
        if name:
            self.facts.calls.append(Call(name, node.lineno, _kwarg_names(node), _call_strings(node)))
        # the strings of a regular expression or glob are patterns to match, not values the code uses
        pattern = bool(name) and name.split(".")[0] in PATTERN_MODULES
        self.in_table += pattern
        self.generic_visit(node)
        self.in_table -= pattern

    def _decorators(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for dec in node.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            name = self.dotted(target)
            if name:
                strings = _call_strings(dec) if isinstance(dec, ast.Call) else ()
                kwargs = _kwarg_names(dec) if isinstance(dec, ast.Call) else frozenset()
                self.facts.decorated.append(Decorated(name, node.name, dec.lineno, strings, kwargs))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.facts.functions.append((node.name, node.lineno))
        self._decorators(node)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._decorators(node)
        for base in node.bases:
            name = self.dotted(base)
            if name:
                self.facts.bases.append((name, node.name, node.lineno))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and len(node.value) <= MAX_STRING and not self.in_table:
            self.facts.strings.append((node.value, node.lineno))

    # gates -------------------------------------------------------------------------------------------
    def visit_If(self, node: ast.If) -> None:
        if _is_main_guard(node.test):
            self.facts.has_main_guard = True
        elif _has_compare(node.test):
            branches = [*node.body, *node.orelse]
            assigned = tuple(
                target.id
                for statement in branches
                for sub in ast.walk(statement)
                if isinstance(sub, ast.Assign)
                for target in ast.walk(sub.targets[0])
                if isinstance(target, ast.Name)
            )
            gate = Gate(
                node.lineno, _words(node.test), _blocks(branches), tuple(self._branch_calls(branches))
            )
            self.facts.gates.append(dataclasses.replace(gate, assigns=assigned))
        self.generic_visit(node)

    def visit_Assert(self, node: ast.Assert) -> None:
        self.facts.gates.append(Gate(node.lineno, _words(node.test), True, ()))
        self.generic_visit(node)

    def _branch_calls(self, statements: list[ast.stmt]) -> list[str]:
        names = []
        for statement in statements:
            for sub in ast.walk(statement):
                if isinstance(sub, ast.Call):
                    name = self.dotted(sub.func)
                    if name:
                        names.append(name)
        return names


def _kwarg_names(node: ast.Call) -> frozenset[str]:
    """Keywords actually passed: `schedule=None`, `cron=None` or Airflow's `schedule="@once"` mean no
    recurring schedule, so they are left out."""
    return frozenset(
        k.arg
        for k in node.keywords
        if k.arg and not (isinstance(k.value, ast.Constant) and k.value.value in (None, "", "@once"))
    )


def _call_strings(node: ast.Call) -> tuple[str, ...]:
    values = [*node.args, *(k.value for k in node.keywords)]
    values += [item for v in values if isinstance(v, ast.List | ast.Tuple | ast.Set) for item in v.elts]
    return tuple(
        v.value
        for v in values
        if isinstance(v, ast.Constant) and isinstance(v.value, str) and len(v.value) <= MAX_STRING
    )


_THRESHOLD_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _has_compare(test: ast.AST) -> bool:
    """Whether a test compares against a threshold (`<`, `<=`, `>`, `>=`): `if score is None` or
    `if name in table` decides nothing about a model."""
    return any(
        isinstance(n, ast.Compare) and any(isinstance(op, _THRESHOLD_OPS) for op in n.ops)
        for n in ast.walk(test)
    )


def _is_main_guard(test: ast.AST) -> bool:
    return isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"


def _words(test: ast.AST) -> frozenset[str]:
    words: set[str] = set()
    for sub in ast.walk(test):
        if isinstance(sub, ast.Name):
            words.add(sub.id.lower())
        elif isinstance(sub, ast.Attribute):
            words.add(sub.attr.lower())
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and len(sub.value) < 60:
            words.add(sub.value.lower())
    return frozenset(words)


def _blocks(statements: list[ast.stmt]) -> bool:
    for statement in statements:
        for sub in ast.walk(statement):
            if isinstance(sub, (ast.Raise, ast.Return)):
                return True
            if isinstance(sub, ast.Call) and isinstance(sub.func, (ast.Name, ast.Attribute)):
                name = sub.func.id if isinstance(sub.func, ast.Name) else sub.func.attr
                if name in {"exit", "_exit", "abort", "fail", "Exit"}:
                    return True
    return False


def parse_python(source: str | bytes) -> PyFacts:
    """Facts of one module. Raises SyntaxError/ValueError/RecursionError for sources `ast` cannot read."""
    tree = ast.parse(source)
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    facts = PyFacts(lines=text.splitlines())
    _Collector(facts).visit(tree)
    return facts


_MAGIC = re.compile(r"^\s*(%|!|\?)|^\s*\w[\w.]*\?\??\s*$")


def notebook_cells(raw: str | bytes) -> list[str]:
    """The Python code cells of a notebook, magics and shell escapes blanked (cell magics such as `%%bash`
    drop the whole cell). Raises ValueError for a notebook that is not JSON or lacks a `cells` list."""
    try:
        document = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"not a JSON notebook ({exc.__class__.__name__})") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise ValueError("not a notebook: no 'cells' list")
    cells: list[str] = []
    for cell in document["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        text = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else str(source)
        if text.lstrip().startswith("%%"):
            continue
        cells.append("\n".join("" if _MAGIC.match(line) else line for line in text.splitlines()))
    return cells


def parse_notebook(cells: list[str]) -> tuple[PyFacts, int]:
    """Facts of a notebook's code cells read as one module, and how many cells had to be left out
    because they do not parse (each such cell is blanked, the rest still counts).

    Each cell is syntax-checked on its own once, then the kept cells are parsed together once: the work is
    linear in the notebook's size however many cells are invalid."""
    kept: list[str] = []
    dropped = 0
    for cell in cells:
        try:
            ast.parse(cell)
        except (SyntaxError, ValueError):
            kept.append("\n" * cell.count("\n"))  # keep line numbers of later cells
            dropped += 1
        else:
            kept.append(cell)
    source = "\n".join(kept)
    try:
        return parse_python(source), dropped
    except SyntaxError:  # cells valid alone but not together (e.g. an unterminated construct across cells)
        return PyFacts(lines=source.splitlines()), len(cells)

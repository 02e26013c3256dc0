"""The layout a newcomer can rely on, checked by reading the source (no database): views are
glue that import no other view, no module grows past 600 lines, and the pure cores import
neither Django nor Celery."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENING = ROOT / "screening"
MAX_LINES = 600
PURE_PACKAGES = ("core", "dedup", "formats", "prisma", "pubmed", "ranking")
FRAMEWORKS = ("django", "celery")


def imported_modules(path, root=ROOT):
    """Every module an import statement in `path` names, relative ones resolved against the
    package, anywhere in the file (imports inside functions count too)."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.append(module)
            # `from . import x` or `from .. import views` names modules too.
            names += [f"{module}.{alias.name}" for alias in node.names]
    return names


def python_files(*folders):
    return sorted(p for folder in folders for p in folder.rglob("*.py") if "migrations" not in p.parts)


def test_imported_modules_resolves_relative_imports():
    views = ROOT / "screening" / "views" / "records.py"
    assert "screening.access" in imported_modules(views)
    assert "screening.services.records" in imported_modules(views)


@pytest.mark.parametrize("path", python_files(SCREENING / "views"), ids=lambda p: p.name)
def test_a_view_module_imports_no_other_view_module(path):
    others = [name for name in imported_modules(path) if name.startswith("screening.views.")]
    assert others == [], f"{path.name} imports {others}: shared reads belong in screening/selectors"


@pytest.mark.parametrize("path", python_files(SCREENING / "views"), ids=lambda p: p.name)
def test_a_view_module_imports_only_glue_layers(path):
    allowed = ("screening.access", "screening.forms", "screening.services", "screening.selectors",
               "screening.htmx", "screening.models", "screening.core", "screening.dedup", "screening.formats",
               "screening.prisma",
               "screening.pubmed", "screening.templatetags", "screening.views")
    inside = [name for name in imported_modules(path) if name.startswith("screening.")]
    assert [name for name in inside if not name.startswith(allowed)] == []


def test_the_selectors_package_is_beside_services_and_used_by_the_dashboard():
    assert (SCREENING / "selectors" / "__init__.py").exists()
    assert "screening.selectors.dashboard" in imported_modules(SCREENING / "views" / "reviews.py")


def sized_modules():
    for path in python_files(SCREENING, ROOT / "reviewapp"):
        yield pytest.param(path, id=str(path.relative_to(ROOT)))


@pytest.mark.parametrize("path", list(sized_modules()))
def test_no_module_is_over_600_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by topic"


@pytest.mark.parametrize("path", python_files(*(SCREENING / name for name in PURE_PACKAGES)),
                         ids=lambda p: str(p.relative_to(SCREENING)))
def test_a_pure_module_imports_neither_django_nor_celery(path):
    framework = [name for name in imported_modules(path) if name.split(".")[0] in FRAMEWORKS]
    # A pure module may not reach Django through the app either (models, services, selectors).
    app = [name for name in imported_modules(path)
           if name.startswith("screening.") and name.split(".")[1] not in PURE_PACKAGES]
    assert framework + app == []


def test_the_import_reader_sees_imports_inside_functions_and_relative_ones(tmp_path):
    module = tmp_path / "screening" / "core" / "sneaky.py"
    module.parent.mkdir(parents=True)
    module.write_text("import celery\n\ndef f():\n    from django.db import models\n    from ..models import Record\n"
                      "    from .. import views\n")
    names = imported_modules(module, root=tmp_path)
    assert {"celery", "django.db", "screening.models", "screening.views"} <= set(names)


TESTS = ROOT / "tests"
# Beside the tests, the top of tests/ holds only what pytest and Django look for by name.
TESTS_TOP_LEVEL = {"__init__.py", "conftest.py", "settings.py"}


def test_test_helpers_live_in_the_helpers_package():
    loose = sorted(path.name for path in TESTS.glob("*.py")
                   if not path.name.startswith("test_") and path.name not in TESTS_TOP_LEVEL)
    assert loose == [], f"tests/{loose[0]} is not a test: helpers belong in tests/helpers/"
    assert (TESTS / "helpers" / "__init__.py").exists()


def test_no_test_module_hides_among_the_helpers():
    tests = sorted(path.name for path in (TESTS / "helpers").glob("test_*.py"))
    assert tests == [], "pytest would collect these from tests/helpers/: tests belong beside the code's topic"

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.audit.models import AuditEvent
from portal.numbers.models import Number

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("import_numbers", *args, stdout=out)
    return out.getvalue()


def test_import_numbers_prints_each_problem_and_a_summary(tmp_path, org_a, numbers_a):
    path = tmp_path / "numbers.csv"
    path.write_text(f"number\n+1 212 555 0190\n{numbers_a[0]}\nnot-a-number\n")
    output = run(str(path), "--organization", "org-a", "--tag", "ported", "--reserved")
    assert f"{numbers_a[0]}: exists" in output
    assert "not-a-number: invalid" in output
    assert "1 added to Org A; 1 already in the inventory; 1 invalid" in output
    number = Number.objects.get(e164="+12125550190")
    assert (number.status, number.organization, [t.name for t in number.tags.all()]) == (
        "reserved",
        org_a,
        ["PORTED"],
    )
    assert AuditEvent.objects.filter(action="numbers.add", via="cli").exists()


def test_import_numbers_into_the_pool(tmp_path, db):
    path = tmp_path / "numbers.txt"
    path.write_text("+12125550190\n")
    run(str(path), "--organization", "pool")
    assert Number.objects.get().organization is None


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.csv", "--organization", "org-a"], "No such file"),
        (["{file}", "--organization", "nowhere"], "No organization"),
    ],
)
def test_import_numbers_explains_bad_arguments(tmp_path, org_a, args, message):
    path = tmp_path / "n.csv"
    path.write_text("+12125550190\n")
    with pytest.raises(CommandError, match=message):
        run(*[a.replace("{file}", str(path)) for a in args])

"""Accent- and case-insensitive patient search, on SQLite and PostgreSQL."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from careplan.domain.limits import max_length
from careplan.domain.search_fold import FOLD_VERSION, fold
from careplan.persistence.engine import Database
from careplan.persistence.models import AppMetaRow
from careplan.services import patients
from tests.history_builders import make_patient
from tests.history_fixtures import snapshot

# Letters from the scripts and languages clinics meet, with the marks and ligatures that trip search.
NAME_ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ -'")
    + list("ąćęłńóśźżĄĆĘŁŃÓŚŹŻäöüßÄÖÜẞåøæÅØÆœŒđĐðÐþÞħıİçÇñÑšŠžŽéèêëÉÈÊËíìîïÍóòôõúùûÚýÿŸǅǆﬁﬃ")
    + list("ΑαΆάΈέΉήΊίΌόΎύΏώΪϊΫϋΐΰσςΣ")  # Greek with tonos and final sigma
    + list("ЁёЙйАаБбЖж")  # Cyrillic
    + list("\u0301\u0308\u0327")  # combining marks typed after a letter
    + list("שלוםمرحبا李明한국")
)
names = st.text(NAME_ALPHABET, min_size=1, max_size=40).filter(lambda s: s.strip())


def test_the_examples_from_the_issue(db: Database) -> None:
    for i, name in enumerate(["Żółć Łukasz", "Hans Müller", "Søren Ærø", "Grüße Straße", "Ελένη Παπαδοπούλου"]):
        make_patient(db, f"F-{i}", name=name)
    for typed, mrn in [("zolc", "F-0"), ("lukasz", "F-0"), ("ŁUKASZ", "F-0"), ("muller", "F-1"), ("MÜLLER", "F-1"),
                       ("soren aero", "F-2"), ("grusse strasse", "F-3"), ("ελενη", "F-4"), ("ΠΑΠΑΔΟΠΟΥΛΟΥ", "F-4")]:
        assert [r.mrn for r in patients.search_patients(db, typed)] == [mrn], typed
        assert patients.count_patients(db, typed) == 1, typed


@given(name=names, data=st.data())
def test_any_piece_of_a_name_folds_into_the_folded_name(name: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(name) - 1))
    end = data.draw(st.integers(start + 1, len(name)))
    piece = name[start:end]
    assert fold(piece.strip()) in fold(name)
    assert fold(name) == fold(fold(name))  # folding twice changes nothing: a folded query finds it
    assert fold(name.upper()) == fold(name.lower()) or not name.isascii()


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_a_folded_piece_of_any_name_finds_the_patient(db: Database, data: st.DataObject) -> None:
    name = data.draw(names, label="name")
    with db.reading() as s:
        n = int(s.execute(text("SELECT count(*) FROM patients")).scalar() or 0)
    p = make_patient(db, f"H-{n}", name=name)
    start = data.draw(st.integers(0, len(name) - 1))
    piece = name[start:data.draw(st.integers(start + 1, len(name)))]
    typed = data.draw(st.sampled_from([piece, fold(piece), piece.upper(), piece.lower()]), label="typed")
    if not typed.strip():
        return
    found = [r.id for r in patients.search_patients(db, typed, limit=10_000)]
    assert p.id in found, (name, typed)


def test_old_search_keys_are_rebuilt_once_without_touching_anything_else(db: Database) -> None:
    a = make_patient(db, "K-1", name="Żółć Łukasz")
    make_patient(db, "K-2", name="Ann Smith")
    with db.engine.begin() as c:  # as an older CarePlan stored them: case-folded only
        c.execute(text("UPDATE patients SET search_name = 'żółć łukasz' WHERE mrn = 'K-1'"))
        c.execute(text("DELETE FROM app_meta WHERE key = 'search_key_version'"))
    assert patients.search_patients(db, "zolc") == []
    before = snapshot(db)
    assert patients.refresh_search_keys(db) == 1
    after = snapshot(db)
    assert {t: rows for t, rows in after.items() if t != "patients"} == {
        t: rows for t, rows in before.items() if t != "patients"}
    assert [r.id for r in patients.search_patients(db, "zolc")] == [a.id]
    assert patients.get_patient(db, a.id or 0).version == a.version  # an open dialog sees no conflict
    with db.reading() as s:
        assert s.scalar(select(AppMetaRow.value).where(AppMetaRow.key == "search_key_version")) == FOLD_VERSION
    assert patients.refresh_search_keys(db) is None  # current: nothing read, nothing written


def test_a_name_that_folds_longer_than_its_column_still_fits(db: Database) -> None:
    name = "ﬃ" * max_length("patient.full_name")
    make_patient(db, "L-1", name=name)
    assert [r.mrn for r in patients.search_patients(db, "ffiffi")] == ["L-1"]

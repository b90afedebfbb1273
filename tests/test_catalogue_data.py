"""The shipped treatment catalogue: valid, complete, honest about medicines and supplements, readable."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import jsonschema
import pytest
import yaml
from textstat.textstat import textstatistics

from careplan.domain.catalogue import CatalogueItem
from careplan.domain.catalogue_parse import parse_catalogue
from careplan.domain.disciplines import Discipline
from careplan.domain.plan import DOSE_PATTERN, FREQUENCY_CHOICES
from careplan.domain.team import Role

REPO = Path(__file__).resolve().parents[1]
CATALOGUE = REPO / "resources" / "catalogue.yaml"
SCHEMA = REPO / "resources" / "catalogue.schema.json"
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"

KNOWN_GUIDELINES = {"NICE NG42", "NICE QS126", "AAN practice parameter", "EFNS guideline"}
SEED_SOURCE = re.compile(r"^seeds/\d{3}_[0-9a-f]{16}\.txt$")
# Medicines are given on the prescriber's schedule, which the catalogue must not invent.
CODE_PREFIX = {
    Discipline.PHYSIOTHERAPY: "pt_",
    Discipline.OCCUPATIONAL_THERAPY: "ot_",
    Discipline.SPEECH: "slt_",
    Discipline.NUTRITION: "nut_",
    Discipline.RESPIRATORY: "resp_",
    Discipline.MEDICATION: "med_",
    Discipline.PSYCHOSOCIAL: "psy_",
    Discipline.PALLIATIVE: "pal_",
    Discipline.SUPPLEMENT: "sup_",
}
MAX_GRADE = 9.0
COPY_RUN = 8  # words in a row shared with a seed text that count as copying
MAX_MEDIAN_GRADE = 8.0

# Every therapy the seeds name, and the guideline items of domain.md: (what, item code, words
# that item's text must contain to really cover it).
COVERAGE = [
    ("stretching", "pt_stretching", ["stretch"]),
    ("range-of-motion exercises", "pt_range_of_motion", ["range-of-motion"]),
    ("strengthening exercises", "pt_strengthening", ["strength", "low-impact"]),
    ("pain management", "pt_pain_management", ["pain"]),
    ("walking and mobility", "pt_walking_mobility", ["walk", "mobility"]),
    ("brace fitting", "pt_leg_brace", ["brace", "orthosis"]),
    ("walker", "pt_walker", ["walker"]),
    ("wheelchair (physiotherapy)", "pt_wheelchair_use", ["wheelchair"]),
    ("caregivers learn to assist exercises", "pt_caregiver_exercise_training", ["caregiver", "exercise"]),
    ("daily tasks", "ot_daily_living_assessment", ["dressing", "independent"]),
    ("dressing aids", "ot_dressing_aids", ["dressing", "button hook"]),
    ("grooming aids", "ot_grooming_aids", ["grooming", "toothbrush"]),
    ("eating aids", "ot_eating_aids", ["cutlery", "arm support"]),
    ("bathing aids", "ot_bathing_aids", ["bath", "shower seat"]),
    ("walking cane", "ot_walking_cane", ["cane", "stick"]),
    ("wheelchair (occupational therapy)", "ot_wheelchair_seating", ["wheelchair", "cushion"]),
    ("orthotic braces", "ot_hand_splints", ["orthotic", "splint"]),
    ("home modification", "ot_home_modification", ["home", "ramp"]),
    ("safe transfers teaching", "ot_safe_transfers", ["transfer", "bed to chair"]),
    ("assistive technology", "ot_assistive_technology", ["technology"]),
    ("speech techniques", "slt_speech_techniques", ["understood", "short phrases"]),
    ("face, jaw and throat exercises", "slt_oral_motor_exercises", ["face", "jaw", "throat"]),
    ("alphabet board", "slt_alphabet_board", ["alphabet board"]),
    ("pen and paper", "slt_pen_and_paper", ["pen", "paper"]),
    ("text-to-speech tablet", "slt_text_to_speech_tablet", ["text-to-speech", "tablet", "borrow", "rent"]),
    ("speech device", "slt_speech_generating_device", ["speech", "computer"]),
    ("eye-movement communication", "slt_eye_movement_communication", ["eye"]),
    ("gestures", "slt_gestures", ["gesture"]),
    ("communication aids (AAC) assessment", "slt_aac_assessment", ["AAC", "communication aid"]),
    ("swallowing assessment", "slt_swallowing_assessment", ["swallow"]),
    ("swallowing advice", "slt_safe_swallowing", ["swallow", "upright"]),
    ("nutritionist support", "nut_dietitian_support", ["dietitian", "nutritionist"]),
    ("easy-to-swallow food", "nut_texture_modified_diet", ["easy-to-swallow", "soft"]),
    ("feeding tube", "nut_feeding_tube", ["tube"]),
    ("lifestyle changes", "nut_lifestyle_changes", ["lifestyle", "easy-to-swallow"]),
    ("weigh at every visit", "nut_weight_check", ["weigh", "every visit"]),
    ("fortified food / oral nutritional supplements", "nut_fortified_food", ["fortif", "oral nutritional supplements"]),
    ("gastrostomy discussion", "nut_gastrostomy_discussion", ["gastrostomy", "PEG", "RIG", "nasogastric", "FVC", "50%", "30%", "10%"]),
    ("constipation", "nut_constipation", ["constipation"]),
    ("respiratory symptom check", "resp_symptom_check", ["orthopnoea", "morning headache", "each review"]),
    ("FVC/SNIP every 3 months", "resp_fvc_snip", ["FVC", "SNIP", "every 3 months"]),
    ("night-time breathing support (NIV)", "resp_niv", ["night", "non-invasive ventilation", "50%", "40 cmH2O"]),
    ("cough assist", "resp_cough_assist", ["insufflation-exsufflation", "peak cough flow", "270"]),
    ("thick secretions", "resp_thick_secretions", ["humidif"]),
    ("ventilator through a tracheostomy", "resp_tracheostomy_ventilation", ["tracheostomy", "breathing machine"]),
    ("riluzole", "med_riluzole", ["riluzole"]),
    ("edaravone", "med_edaravone", ["edaravone"]),
    ("baclofen", "med_baclofen", ["baclofen", "spasticity"]),
    ("diazepam", "med_diazepam", ["diazepam", "spasticity"]),
    ("gabapentin", "med_gabapentin", ["gabapentin", "pain"]),
    ("trihexyphenidyl", "med_trihexyphenidyl", ["trihexyphenidyl", "saliva"]),
    ("amitriptyline", "med_amitriptyline", ["amitriptyline", "saliva"]),
    ("quinine", "med_quinine", ["quinine", "cramps"]),
    ("tizanidine", "med_tizanidine", ["tizanidine"]),
    ("dantrolene", "med_dantrolene", ["dantrolene"]),
    ("glycopyrronium", "med_glycopyrronium", ["glycopyrronium", "saliva"]),
    ("botulinum toxin for saliva", "med_botulinum_toxin_saliva", ["botulinum", "saliva"]),
    ("clinical-trial referral", "med_clinical_trial_referral", ["clinical trial", "neurologist who specialises in ALS"]),
    ("psychologist", "psy_psychologist", ["psychologist"]),
    ("counselling", "psy_counselling", ["counselling"]),
    ("social worker", "psy_social_worker", ["social worker", "insurance"]),
    ("equipment funding", "psy_equipment_funding", ["equipment", "pay"]),
    ("carer support", "psy_carer_support", ["carer"]),
    ("cognitive/behavioural screening", "psy_cognitive_screening", ["cognitive", "behaviour"]),
    ("advance care planning", "pal_advance_care_planning", ["diagnosis", "respiratory", "gastrostomy", "NIV", "once a year"]),
    ("palliative care", "pal_palliative_care_team", ["palliative"]),
    ("vitamin E", "sup_vitamin_e", ["vitamin E"]),
    ("B vitamins", "sup_b_vitamins", ["folic acid", "B6", "B12"]),
    ("zinc", "sup_zinc", ["zinc", "SOD1"]),
    ("genistein", "sup_genistein", ["genistein"]),
    ("melatonin", "sup_melatonin", ["melatonin"]),
    ("coenzyme Q10", "sup_coenzyme_q10", ["coenzyme Q10"]),
    ("alpha-lipoic acid", "sup_alpha_lipoic_acid", ["alpha-lipoic acid"]),
    ("L-carnitine", "sup_l_carnitine", ["L-carnitine"]),
    ("ginseng", "sup_ginseng", ["ginseng"]),
    ("red wine", "sup_red_wine", ["red wine"]),
    ("epigallocatechin gallate", "sup_epigallocatechin_gallate", ["epigallocatechin gallate", "green tea"]),
]

DOSE = DOSE_PATTERN
SUPPLEMENT_CAVEAT = re.compile(r"trials have not shown a benefit for all supplements", re.IGNORECASE)
TALK_FIRST = re.compile(r"talk to your care team before starting", re.IGNORECASE)


def load_real_catalogue() -> list[CatalogueItem]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return parse_catalogue(CATALOGUE.read_text(encoding="utf-8"), "resources/catalogue.yaml", schema)


def grade_meter() -> textstatistics:
    """textstat's Flesch-Kincaid grade, counting syllables with its bundled pyphen dictionary.

    textstat 0.7 otherwise downloads NLTK's cmudict on first use; a test must not depend on the
    network, and must measure the same way on every machine. ("en-US" skips the cmudict lookup,
    which is keyed on "en_US"; pyphen reads "en-US" as US English.)
    """
    meter = textstatistics()
    meter.set_lang("en-US")
    return meter


def caregiver_grades(items: list[CatalogueItem]) -> dict[str, float]:
    meter = grade_meter()
    return {i.code: meter.flesch_kincaid_grade(i.caregiver_instructions) for i in items}


def median_grade(items: list[CatalogueItem]) -> float:
    return float(statistics.median(caregiver_grades(items).values()))


def all_text(item: CatalogueItem) -> str:
    return " ".join((item.title, item.clinical_description, item.caregiver_instructions, item.safety_notes))


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@pytest.fixture(scope="module")
def items() -> list[CatalogueItem]:
    return load_real_catalogue()


@pytest.fixture(scope="module")
def by_code(items: list[CatalogueItem]) -> dict[str, CatalogueItem]:
    return {i.code: i for i in items}


def test_file_is_valid_against_the_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema).check_schema(schema)
    jsonschema.validate(yaml.safe_load(CATALOGUE.read_text(encoding="utf-8")), schema)


def test_schema_lists_exactly_the_disciplines_and_roles_the_code_knows() -> None:
    item_schema = json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]["item"]["properties"]
    assert item_schema["discipline"]["enum"] == [d.value for d in Discipline]
    assert item_schema["role"]["enum"] == [r.value for r in Role]


def test_size_and_every_discipline_present(items: list[CatalogueItem]) -> None:
    assert 70 <= len(items) <= 90
    assert {i.discipline for i in items} == set(Discipline)


def test_codes_are_unique_and_carry_their_discipline_prefix(items: list[CatalogueItem]) -> None:
    codes = [i.code for i in items]
    assert len(codes) == len(set(codes))
    for item in items:
        assert re.fullmatch(r"[a-z][a-z0-9_]{2,63}", item.code), item.code
        assert item.code.startswith(CODE_PREFIX[item.discipline]), f"{item.code} is {item.discipline}"
        assert not item.code.endswith("_"), item.code


def test_every_therapy_named_is_covered(by_code: dict[str, CatalogueItem]) -> None:
    missing = []
    for what, code, terms in COVERAGE:
        item = by_code.get(code)
        if item is None:
            missing.append(f"{what}: no item {code}")
            continue
        text = all_text(item).lower()
        missing += [f"{what}: {code} never says '{t}'" for t in terms if t.lower() not in text]
    assert not missing, "\n".join(missing)


def test_caregiver_text_speaks_to_you(items: list[CatalogueItem]) -> None:
    not_addressed = [i.code for i in items if not re.search(r"\byou(r)?\b", i.caregiver_instructions, re.IGNORECASE)]
    assert not not_addressed


def test_frequencies_use_the_standard_wording(items: list[CatalogueItem]) -> None:
    allowed = set(FREQUENCY_CHOICES)
    assert {i.code: i.frequency for i in items if i.frequency not in allowed} == {}


def test_dose_pattern_catches_doses() -> None:
    for dosed in ("Give 50 mg twice a day.", "Take 2 tablets.", "two capsules at night", "5 ml by mouth", "100 units"):
        assert DOSE.search(dosed), dosed
    assert not DOSE.search("Give it as your doctor prescribed, at the same times each day.")


def test_medicines_never_give_doses(items: list[CatalogueItem]) -> None:
    dosed = {}
    for item in items:
        if item.discipline is Discipline.MEDICATION and (m := DOSE.search(f"{all_text(item)} {item.frequency}")):
            dosed[item.code] = m.group(0)
    assert dosed == {}


def test_medicines_say_as_your_doctor_prescribed(items: list[CatalogueItem]) -> None:
    # The trial referral sits with the medicines but is not one.
    medicines = [i for i in items if i.discipline is Discipline.MEDICATION and i.code != "med_clinical_trial_referral"]
    assert len(medicines) == 12
    assert [i.code for i in medicines if "as your doctor prescribed" not in i.caregiver_instructions] == []


def test_every_supplement_carries_the_caveat(items: list[CatalogueItem]) -> None:
    supplements = [i for i in items if i.discipline is Discipline.SUPPLEMENT]
    assert len(supplements) == 11
    for item in supplements:
        assert SUPPLEMENT_CAVEAT.search(item.caregiver_instructions), item.code
        assert TALK_FIRST.search(item.caregiver_instructions), item.code


def test_caregiver_instructions_are_plain_reading(items: list[CatalogueItem]) -> None:
    grades = caregiver_grades(items)
    median = median_grade(items)
    print(f"\nFlesch-Kincaid grade of caregiver instructions: median {median:.1f}, max {max(grades.values()):.1f} over {len(grades)} items")
    too_hard = {code: round(g, 1) for code, g in grades.items() if g > MAX_GRADE}
    assert too_hard == {}
    assert median <= MAX_MEDIAN_GRADE


def test_grade_meter_tells_hard_text_from_plain() -> None:
    meter = grade_meter()
    plain = "Help with the stretches once a day. Stop if it hurts."
    hard = (
        "Physiotherapeutic interventions incorporating individualised progressive resistance "
        "methodologies demonstrate considerable physiological and functional improvements."
    )
    assert meter.flesch_kincaid_grade(plain) < 4 < MAX_GRADE < meter.flesch_kincaid_grade(hard)


def test_sources_name_a_seed_file_or_a_known_guideline(items: list[CatalogueItem]) -> None:
    unknown = {
        i.code: part
        for i in items
        for part in (p.strip() for p in i.source.split(";"))
        if not SEED_SOURCE.match(part) and part not in KNOWN_GUIDELINES
    }
    assert unknown == {}


@pytest.fixture(scope="module")
def seed_texts() -> dict[str, str]:
    if not SEEDS.is_dir():
        pytest.skip(f"the shared seed texts are not at {SEEDS}; CI clones them beside the repository")
    return {f"seeds/{p.name}": p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


def test_seed_sources_are_real_files(items: list[CatalogueItem], seed_texts: dict[str, str]) -> None:
    named = {part.strip() for i in items for part in i.source.split(";") if part.strip().startswith("seeds/")}
    assert named, "no item names a seed text"
    assert named - set(seed_texts) == set()
    assert set(seed_texts) - named == set(), "every seed text should feed the catalogue"


def seed_runs(seed_texts: dict[str, str]) -> set[tuple[str, ...]]:
    runs: set[tuple[str, ...]] = set()
    for text in seed_texts.values():
        w = words(text)
        runs |= {tuple(w[k : k + COPY_RUN]) for k in range(len(w) - COPY_RUN + 1)}
    return runs


def copied_runs(text: str, runs: set[tuple[str, ...]]) -> list[str]:
    w = words(text)
    return [" ".join(w[k : k + COPY_RUN]) for k in range(len(w) - COPY_RUN + 1) if tuple(w[k : k + COPY_RUN]) in runs]


def test_copy_check_catches_a_lifted_sentence(seed_texts: dict[str, str]) -> None:
    runs = seed_runs(seed_texts)
    lifted = " ".join(next(iter(seed_texts.values())).split()[40:52])
    assert copied_runs(f"Please note: {lifted.upper()}!", runs)
    assert not copied_runs("Help with the stretches your physiotherapist showed you, once a day.", runs)


def test_no_sentence_is_copied_from_the_seeds(items: list[CatalogueItem], seed_texts: dict[str, str]) -> None:
    runs = seed_runs(seed_texts)
    copied = [f"{i.code}: {run}" for i in items for run in copied_runs(all_text(i), runs)]
    assert copied == [], "\n".join(copied)

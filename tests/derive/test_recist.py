"""RECIST 1.1 (RECIST.md) and the study's NED definition, case by case."""

from __future__ import annotations

import pytest

from nedcohort.derive import assess_exams
from tests.derive.cases import build, exam, new_lesion, nontarget, target


def last(*exams, **kwargs):
    """The assessment of the last exam."""
    frame = assess_exams(*build(*exams), **kwargs)
    return frame.iloc[-1]


BASE = exam({"L1": target(40), "L2": nontarget("present")})

# ---- RECIST Table 1: target (± non-target) disease -----------------------------------
TABLE_1 = [
    # target, non-target, new lesion -> overall
    ("CR", "CR", False, exam({"L1": target(0), "L2": nontarget("absent")}), "CR"),
    ("CR", "non-CR/non-PD", False, exam({"L1": target(0), "L2": nontarget("present")}), "PR"),
    ("CR", "not evaluated", False, exam({"L1": target(0), "L2": nontarget(None)}), "PR"),
    ("PR", "non-PD", False, exam({"L1": target(20), "L2": nontarget("present")}), "PR"),
    ("PR", "not all evaluated", False, exam({"L1": target(20), "L2": nontarget(None)}), "PR"),
    ("SD", "non-PD", False, exam({"L1": target(35), "L2": nontarget("present")}), "SD"),
    ("SD", "not all evaluated", False, exam({"L1": target(35), "L2": nontarget(None)}), "SD"),
    (
        "not evaluated",
        "non-PD",
        False,
        exam({"L1": target(None), "L2": nontarget("present")}),
        "NE",
    ),
    ("PD", "any", False, exam({"L1": target(50), "L2": nontarget("present")}), "PD"),
    (
        "any",
        "PD",
        False,
        exam({"L1": target(20), "L2": nontarget("unequivocal_progression")}),
        "PD",
    ),
    (
        "any",
        "any",
        True,
        exam({"L1": target(20), "L2": nontarget("present"), "L9": new_lesion()}),
        "PD",
    ),
]


@pytest.mark.parametrize(("target", "nontarget", "new", "follow_up", "overall"), TABLE_1,
                         ids=[f"{t}|{n}|new={w}" for t, n, w, _, _ in TABLE_1])  # fmt: skip
def test_recist_table_1(target, nontarget, new, follow_up, overall):
    row = last(BASE, follow_up)
    assert row["overall_response"] == overall, row["reason"]
    assert row["new_lesions"] == new


# ---- RECIST Table 2: non-target disease only -------------------------------------------
NT_BASE = exam({"L2": nontarget("present"), "L3": nontarget("present", site="pleura")})
ABSENT, PRESENT, MISSING = nontarget("absent"), nontarget("present"), nontarget(None)
TABLE_2 = [
    ("CR", False, exam({"L2": ABSENT, "L3": ABSENT}), "CR"),
    ("non-CR/non-PD", False, exam({"L2": PRESENT, "L3": ABSENT}), "non-CR/non-PD"),
    ("not all evaluated", False, exam({"L2": ABSENT, "L3": MISSING}), "NE"),
    ("unequivocal PD", False,
     exam({"L2": nontarget("unequivocal_progression"), "L3": PRESENT}), "PD"),
    ("any", True, exam({"L2": ABSENT, "L3": ABSENT, "L9": new_lesion()}), "PD"),
]  # fmt: skip


@pytest.mark.parametrize(("nontarget", "new", "follow_up", "overall"), TABLE_2,
                         ids=[f"{n}|new={w}" for n, w, _, _ in TABLE_2])  # fmt: skip
def test_recist_table_2(nontarget, new, follow_up, overall):
    row = last(NT_BASE, follow_up)
    assert row["overall_response"] == overall, row["reason"]
    assert row["target_response"] is None


# ---- boundaries -------------------------------------------------------------------------
def test_exactly_minus_30_percent_is_pr():
    assert last(exam({"L1": target(100)}), exam({"L1": target(70)}))["overall_response"] == "PR"
    assert last(exam({"L1": target(100)}), exam({"L1": target(70.1)}))["overall_response"] == "SD"


def test_20_percent_needs_5_mm():
    # nadir 20: +20 % is +4 mm -> not PD; nadir 25: +20 % is +5 mm -> PD
    assert last(exam({"L1": target(20)}), exam({"L1": target(24)}))["overall_response"] == "SD"
    row = last(exam({"L1": target(25)}), exam({"L1": target(30)}))
    assert row["overall_response"] == "PD"
    assert row["reason"] == "PD: SLD 30.0 mm >= 1.2 x nadir 25.0 mm and +5.0 mm"


def test_pd_is_tested_before_pr_against_the_nadir():
    """Baseline 100 -> nadir 40 -> 55 mm: PR against baseline, but PD against the nadir."""
    row = last(exam({"L1": target(100)}), exam({"L1": target(40)}), exam({"L1": target(55)}))
    assert row["overall_response"] == "PD"
    assert row["nadir_mm"] == 40


@pytest.mark.parametrize(("node_mm", "overall"), [(9.9, "CR"), (10.0, "PR")])
def test_nodal_target_below_10_mm_allows_cr(node_mm, overall):
    base = exam({"L1": target(30), "L2": target(20, site="distant_lymph_node", node=True)})
    row = last(
        base, exam({"L1": target(0), "L2": target(node_mm, site="distant_lymph_node", node=True)})
    )
    assert row["overall_response"] == overall
    assert row["sld_mm"] == node_mm  # the sum may be > 0 at CR


def test_lesion_reappearing_after_cr_at_5_mm_is_pd():
    row = last(exam({"L1": target(30)}), exam({"L1": target(0)}), exam({"L1": target(5)}))
    assert row["overall_response"] == "PD"


def test_too_small_to_measure_counts_5_mm():
    """The record holds 5 mm for 'too small to measure': not CR, and no PD from 0 -> 5."""
    row = last(exam({"L1": target(30)}), exam({"L1": target(5)}))
    assert row["overall_response"] == "PR" and not row["radiologic_ned"]


def test_missing_measurement_is_ne_unless_pd_is_already_shown():
    base = exam({"L1": target(20), "L2": target(20, site="lung")})
    assert (
        last(base, exam({"L1": target(None), "L2": target(15, site="lung")}))["overall_response"]
        == "NE"
    )
    # the measured lesion alone already exceeds 1.2 x nadir 40 and +5 mm
    row = last(base, exam({"L1": target(None), "L2": target(50, site="lung")}))
    assert row["overall_response"] == "PD"


def test_pet_new_finding_without_fdg_uptake_is_not_pd():
    base = exam({"L1": target(40)})
    row = last(base, exam({"L1": target(20), "L9": new_lesion(fdg=False)}, modality="PET-CT"))
    assert row["overall_response"] == "PR"
    row = last(base, exam({"L1": target(20), "L9": new_lesion(fdg=True)}, modality="PET-CT"))
    assert row["overall_response"] == "PD"


# ---- NED for bone-only and non-measurable disease ---------------------------------------
BONE = exam({"B1": nontarget("present", site="bone", look="lytic")})
SCLEROTIC_PET = exam({"B1": nontarget("present", site="bone", look="sclerotic", fdg=False)},
                     modality="PET-CT")  # fmt: skip
SCLEROTIC_CT = exam({"B1": nontarget("present", site="bone", look="sclerotic")})


def test_bone_only_pet_negative_sclerotic_residual_is_ned():
    row = last(BONE, SCLEROTIC_PET)
    assert row["radiologic_ned"] and row["overall_response"] == "non-CR/non-PD"
    assert row["reason"].startswith("non-CR/non-PD") or "NED" in row["reason"]


def test_bone_only_ct_sclerotic_residual_is_ned_only_if_the_protocol_says_so():
    assert not last(BONE, SCLEROTIC_CT)["radiologic_ned"]
    assert last(BONE, SCLEROTIC_CT, sclerotic_without_pet="inactive")["radiologic_ned"]


def test_fdg_avid_bone_lesion_is_active():
    active = exam(
        {"B1": nontarget("present", site="bone", look="sclerotic", fdg=True)}, modality="PET-CT"
    )
    assert not last(BONE, active)["radiologic_ned"]


def test_measurable_disease_needs_cr_for_ned():
    row = last(BASE, exam({"L1": target(0), "L2": nontarget("absent")}))
    assert row["radiologic_ned"] and row["overall_response"] == "CR"
    assert not last(BASE, exam({"L1": target(0), "L2": nontarget("present")}))["radiologic_ned"]


def test_bone_scintigraphy_changes_nothing():
    scan = exam({"B1": nontarget("unequivocal_progression", site="bone")},
                modality="bone_scintigraphy")  # fmt: skip
    with_scan = assess_exams(*build(BONE, scan, SCLEROTIC_PET))
    without = assess_exams(*build(BONE, SCLEROTIC_PET))
    assert len(with_scan) == 2  # the scan is not assessed at all
    assert with_scan["overall_response"].tolist() == without["overall_response"].tolist()
    assert with_scan["radiologic_ned"].tolist() == [False, True]


def test_reader_assessment_decides_without_lesion_rows():
    frame = assess_exams(*build(exam(reader="residual"), exam(reader="ned"),
                                exam(reader="progression")))  # fmt: skip
    assert frame["overall_response"].tolist() == ["baseline", "CR", "PD"]
    assert frame["radiologic_ned"].tolist() == [False, True, False]
    assert set(frame["source"]) == {"reader"}
    assert frame["reason"].iloc[1] == "reader: ned"


def test_baseline_can_be_given():
    exams, lesions = build(
        exam({"L1": target(50)}), exam({"L1": target(40)}), exam({"L1": target(20)})
    )
    baseline = exams[["patient_id"]].iloc[:1].assign(baseline_date=exams["exam_date"].iloc[1])
    frame = assess_exams(exams, lesions, baseline=baseline)
    assert frame["exam_id"].tolist() == ["P1-E2", "P1-E3"]
    assert frame["overall_response"].tolist() == ["baseline", "PR"]
